{% for x in get_items() %}{{ x }}{% endfor %}
