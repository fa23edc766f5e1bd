{% if a %}1{% else %}2{% elif b %}3{% endif %}
