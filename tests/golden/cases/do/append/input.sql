{% set l = [1] %}{% do l.append(2) %}{% do l.append('x') %}{{ l }}
