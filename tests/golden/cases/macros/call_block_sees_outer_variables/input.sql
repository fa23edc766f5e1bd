{% set suffix = '!' %}{% macro wrap() %}[{{ caller() }}]{% endmacro %}{% call wrap() %}hi{{ suffix }}{% endcall %}
