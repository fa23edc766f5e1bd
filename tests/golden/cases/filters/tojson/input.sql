{{ {'b': 1, 'a': [1, 'x', none, true, 2.5]} | tojson }} {{ 'a\nb' | tojson }} {{ [] | tojson }}
