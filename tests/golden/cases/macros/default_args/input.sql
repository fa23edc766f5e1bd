{% macro col(name, alias='x', cast=none) %}{{ name }}{% if cast %}::{{ cast }}{% endif %} as {{ alias }}{% endmacro %}{{ col('a') }}, {{ col('b', 'bb') }}, {{ col('c', cast='int') }}
