{% for x in [1] %}{{ x }}{% else %}empty{% endfor %}
