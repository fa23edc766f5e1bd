{% macro m(a) %}{{ a }} {{ kwargs }}{% endmacro %}{{ m(1, x=2, y='z') }} | {{ m(a=0) }}
