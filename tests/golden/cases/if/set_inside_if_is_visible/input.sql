{% if true %}{% set x = 'set in if' %}{% endif %}{{ x }}
