{% set l = [1] %}{% do l.extend([2, 3]) %}{% do l.extend('ab') %}{{ l }}
