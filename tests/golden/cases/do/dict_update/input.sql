{% set d = {'a': 1} %}{% do d.update({'b': 2, 'a': 0}) %}{{ d }}
