{% macro inner(x) %}
  {{ x.missing.attr }}
{% endmacro %}

{% macro outer(x) %}{{ inner({'a': x}) }}{% endmacro %}
