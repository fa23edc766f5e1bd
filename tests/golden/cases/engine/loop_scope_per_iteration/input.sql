{% set x = 'outer' %}{% for i in range(3) %}{% if i == 1 %}{% set x = 'inner' %}{% endif %}{{ x }} {% endfor %}{{ x }}
