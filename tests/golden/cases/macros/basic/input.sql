{% macro greet() %}hello{% endmacro %}{{ greet() }} {{ greet() }}
