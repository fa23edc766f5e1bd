with
{% for s in sources %}
{{ s }} as (
    select * from raw.{{ s }}
){{ ',' if not loop.last }}
{% endfor %}
select * from orders
