{% for x in missing %}{{ x }}{% else %}nothing{% endfor %}
