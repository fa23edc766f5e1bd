{% for x in ['a', 'b', 'c'] %}{{ x }};{% endfor %}
