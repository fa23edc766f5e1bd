select
{%- for col in columns %}
    cast({{ col.name }} as {{ col.data_type | default('text') }}{% if col.scale is defined %}({{ 38 }}, {{ col.scale }}){% endif %}) as {{ col.name }}
    {%- if not loop.last %},{% endif %}
{%- endfor %}
from src
