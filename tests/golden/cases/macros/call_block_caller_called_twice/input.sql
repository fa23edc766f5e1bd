{% macro twice(sep) %}{{ caller() }}{{ sep }}{{ caller() }}{% endmacro %}{% call twice(' | ') %}x{% endcall %}
