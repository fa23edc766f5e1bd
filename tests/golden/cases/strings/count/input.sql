{{ 'banana'.count('a') }} {{ 'banana'.count('an') }} {{ 'aaaa'.count('aa') }} {{ 'abc'.count('z') }}
