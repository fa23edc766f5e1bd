{% set cols = ['a', 'b'] + ['c'] %}{% set n = cols | length * 2 %}{{ cols }} {{ n }}
