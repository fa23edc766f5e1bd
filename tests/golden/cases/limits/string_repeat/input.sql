select '{{ 'x' * 1000000000 }}' as x
