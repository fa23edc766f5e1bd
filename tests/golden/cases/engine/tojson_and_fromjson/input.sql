{{ {'b': [1, 2.5, none], 'a': '<tag>'} | tojson }} {{ tojson({'z': 1, 'a': true}) }} {{ fromjson('{"k": [1, {"n": null}]}').k[1].n is none }} {{ fromjson('not json', 'fallback') }}
