{% macro sign(n) %}
  {% if n < 0 %}
    {{ return('negative') }}
  {% elif n == 0 %}
    {{ return('zero') }}
  {% endif %}
  {{ return('positive') }}
{% endmacro %}
