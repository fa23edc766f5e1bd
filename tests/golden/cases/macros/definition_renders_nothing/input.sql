a{% macro m() %}body{% endmacro %}b
