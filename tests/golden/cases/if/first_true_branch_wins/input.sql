{% if 1 %}one{% elif 1 %}two{% else %}three{% endif %}
