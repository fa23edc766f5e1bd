{% set x = 'global' %}{% macro m() %}{% set x = 'local' %}{{ x }}{% endmacro %}{{ m() }} {{ x }}
