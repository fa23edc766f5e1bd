{% macro is_prod(t) %}{{ return(t == 'prod') }}{% endmacro %}
