{% set zeros = [0] * 1000000000 %}{{ zeros | length }}
