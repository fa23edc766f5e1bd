{% set name = 'orders' %}select * from {{ name() }}
