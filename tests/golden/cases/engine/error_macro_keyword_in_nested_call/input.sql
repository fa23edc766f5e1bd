select 1
{{ check("orders") }}
