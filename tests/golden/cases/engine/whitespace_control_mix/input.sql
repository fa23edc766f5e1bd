select
  {%- for c in ['a', 'b'] %}
  {{ c }}{{ "," if not loop.last }}
  {%- endfor %}
from t   {#- trailing -#}   
