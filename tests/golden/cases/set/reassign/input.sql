{% set x = 1 %}{{ x }}{% set x = x + 1 %}{{ x }}{% set x = 'str' %}{{ x }}
