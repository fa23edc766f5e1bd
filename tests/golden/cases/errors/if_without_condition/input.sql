{% if %}x{% endif %}
