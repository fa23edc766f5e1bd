select
{%- for c in columns if c not in except_cols %}
    {{ c }}{{ ',' if not loop.last }}
{%- endfor %}
from t
