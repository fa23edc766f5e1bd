{% set a, b = 'x', 'y' %}{% set a, b = b, a %}{{ a }}{{ b }}
