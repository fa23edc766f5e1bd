{% macro helper() %}x{% endmacro %}{{ helper is defined }} {{ nothelper is defined }}
