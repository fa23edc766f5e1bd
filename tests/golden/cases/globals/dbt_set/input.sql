{{ set([3, 1, 3, 2]) | sort | join(',') }} {{ set([3, 1, 3]) | length }} {{ set(5, default='none') }} {{ set(none) }} {{ set_strict('abca') | sort | join('') }} {{ 2 in set([1, 2]) }}
