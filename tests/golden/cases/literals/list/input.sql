{{ [1, 'a', true, none, 2.5] }}
