{% macro first_positive(xs) %}
{%- for x in xs -%}
  {%- if x > 0 %}{{ return(x) }}{% endif -%}
{%- endfor -%}
{{ return(none) }}
{% endmacro %}
