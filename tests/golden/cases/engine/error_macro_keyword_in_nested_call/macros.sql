{% macro test_recency(model, field, datepart, interval) %}select max({{ field }}) from {{ model }}{% endmacro %}

{% macro check(model) %}{{ test_recency(model, 'at', group_by_columns=['id'], datepart='day', interval=1) }}{% endmacro %}
