{% macro m(x) %}
  value: {{ x }}
{% endmacro %}[{{ m(1) }}]
