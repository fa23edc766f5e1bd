{% macro cte(name) -%}
{{ name }} as (
{{ caller() }}
)
{%- endmacro %}
with {% call cte('src') -%}
    select 1 as id
{%- endcall %}
select * from src
