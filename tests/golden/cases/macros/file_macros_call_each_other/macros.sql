{% macro quote_ident(name) %}"{{ name }}"{% endmacro %}

{% macro select_cols(cols) -%}
    {%- for c in cols %}{{ quote_ident(c) }}{% if not loop.last %}, {% endif %}{% endfor -%}
{%- endmacro %}
