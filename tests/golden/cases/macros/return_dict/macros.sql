{% macro settings() %}{{ return({'schema': 'analytics', 'threads': 4}) }}{% endmacro %}
