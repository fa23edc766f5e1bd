{{ 'abc' | list }} {{ (1, 2) | list }} {{ {'a': 1, 'b': 2} | list }} {{ range(3) | list }}
