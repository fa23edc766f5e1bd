{% if not unique_key %}
  {{ exceptions.raise_compiler_error("model 'orders' needs a unique_key") }}
{% endif %}
