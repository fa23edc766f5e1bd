{{ dict(a=1, b=2) | dictsort }} {{ dict(zip(['x', 'y'], [1, 2])) }} {{ zip('ab', [1, 2, 3]) }}
