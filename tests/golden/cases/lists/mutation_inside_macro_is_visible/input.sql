{% macro add_to(l, v) %}{% do l.append(v) %}{% endmacro %}{% set acc = [] %}{{ add_to(acc, 'x') }}{{ add_to(acc, 'y') }}{{ acc }}
