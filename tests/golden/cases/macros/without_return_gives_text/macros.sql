{% macro text_only() %}plain text{% endmacro %}
