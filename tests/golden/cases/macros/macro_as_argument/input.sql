{% macro bracket(x) %}[{{ x }}]{% endmacro %}{% macro apply(f, v) %}{{ f(v) }}{% endmacro %}{{ apply(bracket, 'z') }}
