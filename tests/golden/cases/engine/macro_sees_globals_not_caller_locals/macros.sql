{% macro show() %}{{ secret | default('undefined in macro') }} {{ greeting }}{% endmacro %}
