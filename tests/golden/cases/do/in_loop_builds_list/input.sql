{% set enabled = [] %}
{%- for m in models %}{% if m.enabled %}{% do enabled.append(m.name) %}{% endif %}{% endfor -%}
{{ enabled | join(', ') }}
