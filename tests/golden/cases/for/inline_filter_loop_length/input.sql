{% for x in [1, 2, 3, 4, 5, 6] if x > 3 %}{{ loop.index }}/{{ loop.length }} {% endfor %}
