{% set i = 'outer' %}{% for i in [1, 2] %}{{ i }}{% endfor %} {{ i }}
