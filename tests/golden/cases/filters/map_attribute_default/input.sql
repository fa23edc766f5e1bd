{{ [{'x': 1}, {}] | map(attribute='x', default=0) | list }}
