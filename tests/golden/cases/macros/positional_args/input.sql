{% macro add(a, b) %}{{ a + b }}{% endmacro %}{{ add(2, 3) }}
