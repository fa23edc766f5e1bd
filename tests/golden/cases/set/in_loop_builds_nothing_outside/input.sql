{% set parts = [] %}{% for i in [1, 2] %}{% set parts = parts + [i] %}{% endfor %}{{ parts }}
