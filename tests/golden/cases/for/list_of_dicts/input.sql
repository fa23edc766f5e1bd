create table t (
{%- for col in columns %}
  {{ col.name }} {{ col['type'] }}{{ "," if not loop.last }}
{%- endfor %}
)
