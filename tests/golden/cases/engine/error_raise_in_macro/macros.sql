{% macro check_unique(key) %}
{%- if key is none -%}
  {{ exceptions.raise_compiler_error("a unique_key is required") }}
{%- endif -%}
{% endmacro %}
