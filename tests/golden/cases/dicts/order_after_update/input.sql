{% set d = {'b': 1} %}{% do d.update({'a': 2}) %}{% do d.update({'b': 3}) %}{{ d.keys() | list }} {{ d }}
