{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}body {{ 1 + 1 }}{% endcall %}
