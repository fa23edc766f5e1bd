{% macro m(a, b, c=0) %}{{ a }}-{{ b }}-{{ c }}{% endmacro %}{{ m(b=2, a=1) }} {{ m(1, c=3, b=2) }}
