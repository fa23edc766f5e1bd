{% if true %}
x
{% endif %}
