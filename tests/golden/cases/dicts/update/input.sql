{% set d = {'a': 1} %}{% do d.update({'b': 2}) %}{% do d.update(c=3) %}{% do d.update({'a': 10}) %}{{ d }}
