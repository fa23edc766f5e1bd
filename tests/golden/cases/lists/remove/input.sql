{% set l = ['a', 'b', 'a'] %}{% do l.remove('a') %}{{ l }}
