{% macro m(a) %}{{ a }} {{ varargs }}{% endmacro %}{{ m(1, 2, 3) }} | {{ m(1) }}
