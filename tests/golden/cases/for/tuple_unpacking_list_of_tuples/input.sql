{% for a, b in [(1, 'x'), (2, 'y')] %}{{ a }}={{ b }} {% endfor %}
