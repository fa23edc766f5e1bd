select '{{ '{:c}'.format(1114112) }}' as c
