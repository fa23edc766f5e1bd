select
  {%- if false %}
  a
  {%- elif true %}
  b
  {%- else %}
  c
  {%- endif %}
from t
