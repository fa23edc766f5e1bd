{% for x in (3, 2, 1) %}{{ x }}{% endfor %}
