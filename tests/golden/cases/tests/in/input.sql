{{ 'a' is in ['a', 'b'] }} {{ 3 is in [1, 2] }} {{ 'b' is in 'abc' }} {{ 'k' is in {'k': 0} }}
