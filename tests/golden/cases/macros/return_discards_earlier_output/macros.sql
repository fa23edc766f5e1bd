{% macro m() %}this text is dropped {{ return('kept') }} and so is this{% endmacro %}
