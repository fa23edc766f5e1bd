{% set table = 'orders' %}
select * from {{ table }}
