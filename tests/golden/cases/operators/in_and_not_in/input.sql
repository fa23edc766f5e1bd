{{ 'a' in 'cat' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [1, 2] }} {{ not 3 in [3] }} {{ 'x' in ('x', 'y') }}
