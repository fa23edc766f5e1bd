{% set l = ['b'] %}{% do l.insert(0, 'a') %}{% do l.insert(10, 'z') %}{% do l.insert(-1, 'y') %}{{ l }}
