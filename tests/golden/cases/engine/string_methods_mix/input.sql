{{ '  Hello, World  '.strip().lower().replace(',', '').split() }} {{ 'a-b-c'.rsplit('-', 1) }} {{ 'abc'.startswith('b', 1) }}
