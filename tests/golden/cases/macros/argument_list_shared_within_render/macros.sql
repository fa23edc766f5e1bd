{% macro at_least_one_by(column_name, group_by_columns=[]) %}
{%- set pruned_cols = group_by_columns -%}
{%- if column_name not in pruned_cols -%}
{%- do pruned_cols.append(column_name) -%}
{%- endif -%}
select {{ group_by_columns | join(' ,') }}, count({{ column_name }}) group by {{ pruned_cols | join(',') }}
{%- endmacro %}
{% macro fresh_default(x, acc=[]) %}{% do acc.append(x) %}{{ acc }}{% endmacro %}
