{% set filters = [] %}
{%- if start_date %}{% do filters.append("order_date >= '" ~ start_date ~ "'") %}{% endif %}
{%- if status %}{% do filters.append("status = '" ~ status ~ "'") %}{% endif %}
select * from orders
{%- if filters %}
where {{ filters | join('\n  and ') }}
{%- endif %}
