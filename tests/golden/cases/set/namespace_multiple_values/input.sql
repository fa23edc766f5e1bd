{% set ns = namespace(a=1, b='two', c=[3]) %}{{ ns.a }} {{ ns.b }} {{ ns.c }}
