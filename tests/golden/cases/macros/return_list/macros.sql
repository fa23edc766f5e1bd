{% macro payment_methods() %}{{ return(['card', 'cash']) }}{% endmacro %}
