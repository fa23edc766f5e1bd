{%- set q -%}
    select 1
{%- endset -%}
[{{ q }}]
