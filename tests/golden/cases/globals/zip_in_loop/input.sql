{% for col, type in zip(cols, types) %}{{ col }} {{ type }}{% if not loop.last %}, {% endif %}{% endfor %}
