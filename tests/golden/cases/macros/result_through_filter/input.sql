{% macro name() %}orders{% endmacro %}{{ name() | upper }} {{ name() ~ '_v2' }}
