{% for c in ['id', 'name', 'email'] %}{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
