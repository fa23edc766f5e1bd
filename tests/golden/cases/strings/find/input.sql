{{ 'abcabc'.find('c') }} {{ 'abc'.find('z') }} {{ 'abcabc'.find('a', 1) }} {{ 'abc'.find('') }}
