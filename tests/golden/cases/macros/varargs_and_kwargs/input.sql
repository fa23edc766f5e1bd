{% macro m() %}{{ varargs | length }} {{ kwargs.k }}{% endmacro %}{{ m(1, 2, k='v') }}
