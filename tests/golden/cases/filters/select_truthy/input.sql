{{ [0, 1, '', 'a', none, [], [0]] | select | list }} {{ [0, 1, ''] | reject | list }}
