{% set x %}
value
