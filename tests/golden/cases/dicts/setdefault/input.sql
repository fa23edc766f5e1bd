{% set d = {'a': 1} %}{{ d.setdefault('a', 5) }} {{ d.setdefault('b', []) }}{% do d.setdefault('c', []).append(1) %} {{ d }}
