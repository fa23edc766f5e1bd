{{ [1, none, true, 'x', 2.5] | join('|') }}
