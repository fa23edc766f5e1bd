select
{% if flag %}
  1
