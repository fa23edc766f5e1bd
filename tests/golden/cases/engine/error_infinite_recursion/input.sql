{% macro loop_forever(n) %}{{ loop_forever(n + 1) }}{% endmacro %}
select {{ loop_forever(0) }}
