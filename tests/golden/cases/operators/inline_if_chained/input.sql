{% set x = 2 %}{{ 'a' if x == 1 else 'b' if x == 2 else 'c' }}
