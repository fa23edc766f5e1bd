{% macro m(x) %}{{ x }}{% endmacro %}
{{ m(1, 2, 3) }}
