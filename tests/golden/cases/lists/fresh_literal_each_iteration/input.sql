{% for i in [1, 2] %}{% set l = [] %}{% do l.append(i) %}{{ l }}{% endfor %}
