{% macro m(a, b=a * 10, c=a + b) %}{{ a }},{{ b }},{{ c }}{% endmacro %}{{ m(1) }} {{ m(1, 2) }} {{ m(1, c=0) }}
