{% macro two() %}{{ 1 + 1 }}{% endmacro %}{% set s = two() %}{{ s ~ s }} {{ s | length }} {{ s is string }}
