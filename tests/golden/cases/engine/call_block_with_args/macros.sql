{% macro each_column(cols) %}{% for c in cols %}{{ caller(c, loop.index) }}{% if not loop.last %} / {% endif %}{% endfor %}{% endmacro %}
