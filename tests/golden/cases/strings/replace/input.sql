{{ 'a-b-c'.replace('-', '') }} {{ 'aaa'.replace('a', 'b', 1) }} {{ 'abc'.replace('x', 'y') }}
