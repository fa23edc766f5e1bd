{% macro concat() %}{% for v in varargs %}{{ v }}{% if not loop.last %} || {% endif %}{% endfor %}{% endmacro %}{{ concat('a', 'b', 'c') }}
