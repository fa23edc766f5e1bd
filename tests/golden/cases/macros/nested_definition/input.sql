{% macro outer(x) %}{% macro inner(y) %}({{ y }}){% endmacro %}{{ inner(x) }}{{ inner(x * 2) }}{% endmacro %}{{ outer(2) }}
