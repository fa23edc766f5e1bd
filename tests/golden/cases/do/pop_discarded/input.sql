{% set l = [1, 2, 3] %}{% do l.pop() %}{{ l }}
