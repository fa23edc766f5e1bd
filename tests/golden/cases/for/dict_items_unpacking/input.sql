{% for old, new in renames.items() %}{{ old }} as {{ new }}{% if not loop.last %}, {% endif %}{% endfor %}
