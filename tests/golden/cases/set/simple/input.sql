{% set x = 5 %}{{ x }}
