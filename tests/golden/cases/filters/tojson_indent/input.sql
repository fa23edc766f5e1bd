{{ {'b': [2], 'a': 1} | tojson(indent=2) }}
