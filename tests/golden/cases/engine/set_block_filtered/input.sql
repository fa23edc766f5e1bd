{% set sql | upper %}
  select {{ 1 + 1 }}
{% endset %}[{{ sql | trim }}]
