{% macro quote(x) %}'{{ x }}'{% endmacro %}
{% macro quoted_list(xs) %}{% for x in xs %}{{ quote(x) }}{% if not loop.last %}, {% endif %}{% endfor %}{% endmacro %}
