{% if x is defined and x > 1 and items | length > 0 %}ok{% endif %} {% if x > 5 or 'a' in items %}also{% endif %}
