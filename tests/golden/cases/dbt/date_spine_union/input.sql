{%- for y in range(start_year, end_year + 1) %}
select {{ y }} as year
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
