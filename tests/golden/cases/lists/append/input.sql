{% set l = [] %}{% do l.append('a') %}{% do l.append(['nested']) %}{% do l.append(none) %}{{ l }}
