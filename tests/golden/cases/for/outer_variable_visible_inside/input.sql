{% set prefix = 'p_' %}{% for c in ['a', 'b'] %}{{ prefix }}{{ c }} {% endfor %}
