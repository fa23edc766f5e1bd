{% macro m(x, y) %}[{{ x }}][{{ y }}]{% if y is undefined %} no y{% endif %}{% endmacro %}{{ m(1) }}
