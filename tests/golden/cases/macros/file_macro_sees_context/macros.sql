{% macro prefixed(name) %}{{ var_prefix }}{{ name }}{% endmacro %}
