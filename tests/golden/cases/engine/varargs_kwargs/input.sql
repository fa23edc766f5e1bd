{% macro m(a) %}{{ a }} {{ varargs }} {{ kwargs | dictsort }}{% endmacro %}{{ m(1, 2, 3, x=4, y=5) }}
