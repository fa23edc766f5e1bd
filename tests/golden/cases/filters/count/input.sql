{{ [1, 2, 3] | count }} {{ 'abcd' | count }} {{ {'a': 1} | count }}
