{% macro q(s) %}"{{ s }}"{% endmacro %}{% macro cols(list) %}{% for c in list %}{{ q(c) }}{% if not loop.last %}, {% endif %}{% endfor %}{% endmacro %}{{ cols(['a', 'b']) }}
