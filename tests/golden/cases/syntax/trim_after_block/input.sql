{% if true -%}
    x
{%- endif %}
