{{ ['a-b', 'c-d'] | map('replace', '-', '_') | join(',') }} {{ [1.234, 5.678] | map('round', 1) | list }}
