{% set parts = [] %}{% for i in [1, 2] %}{% do parts.append(i * 10) %}{% endfor %}{{ parts }}
