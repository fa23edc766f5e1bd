{% set k = 'key' %}{% set v = [1] %}{{ {k: v, k ~ '2': v | length} }}
