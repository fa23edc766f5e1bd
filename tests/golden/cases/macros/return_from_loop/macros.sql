{% macro find_first(items, prefix) %}
  {% for i in items %}
    {% if i.startswith(prefix) %}{{ return(i) }}{% endif %}
  {% endfor %}
  {{ return(none) }}
{% endmacro %}
