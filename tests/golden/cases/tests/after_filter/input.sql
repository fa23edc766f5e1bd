{{ 'x' | upper is upper }} {{ [1, 2] | length is even }}
