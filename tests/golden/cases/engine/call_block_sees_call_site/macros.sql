{% macro wrap() %}({{ caller() }}){% endmacro %}
