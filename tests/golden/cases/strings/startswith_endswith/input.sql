{{ 'stg_orders'.startswith('stg_') }} {{ 'stg_orders'.endswith('_orders') }} {{ 'abc'.startswith('b') }} {{ 'fct_x'.startswith(('dim_', 'fct_')) }} {{ 'x.sql'.endswith('.csv') }}
