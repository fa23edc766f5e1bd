{% set prefix = 'p_' %}{% call wrap() %}{{ prefix }}body{% endcall %}
