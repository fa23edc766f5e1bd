select '{{ '%c' % -1 }}' as c
