{% if missing %}yes{% else %}no{% endif %} {% if not missing %}negated{% endif %}
