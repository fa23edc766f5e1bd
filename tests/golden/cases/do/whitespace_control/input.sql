{% set l = [] %}
{%- do l.append(1) %}
{%- do l.append(2) %}
{{ l }}
