{% macro m(x) %}{{ x }}{% endmacro %}
{{ m(1, y=2) }}
