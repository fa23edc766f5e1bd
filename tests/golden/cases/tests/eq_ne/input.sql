{{ 1 is eq 1 }} {{ 'a' is eq('b') }} {{ 1 is ne 2 }} {{ 2 is equalto 2 }} {{ 'a' is sameas 'a' }}
