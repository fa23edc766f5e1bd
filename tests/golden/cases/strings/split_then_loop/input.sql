{% for part in 'db.schema.table'.split('.') %}"{{ part }}"{% if not loop.last %}.{% endif %}{% endfor %}
