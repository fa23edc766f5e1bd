select 1
{% endmacro %}
