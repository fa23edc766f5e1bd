{% for x in xs %}
  {% if x %}
{% endfor %}
