{{ [1, 2] | length }} {{ 'hello' | length }} {{ {'a': 1, 'b': 2} | length }} {{ [] | length }} {{ (1, 2, 3) | length }}
