{% for table, ms in metrics | groupby('table') -%}
select {% for m in ms %}{{ m.agg }}({{ m.col }}) as {{ m.agg }}_{{ m.col }}{% if not loop.last %}, {% endif %}{% endfor %} from {{ table }};
{% endfor %}
