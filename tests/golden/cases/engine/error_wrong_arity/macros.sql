{% macro greet(name) %}hi {{ name }}{% endmacro %}
