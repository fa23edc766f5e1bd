{% macro inner(x) %}{{ return(x + 1) }}{% endmacro %}
{% macro outer(x) %}{% set y = inner(x) %}{{ return(y * 10) }}{% endmacro %}
