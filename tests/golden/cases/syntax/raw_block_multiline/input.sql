select
{% raw %}
  '{{ not_rendered }}'
{% endraw %}
