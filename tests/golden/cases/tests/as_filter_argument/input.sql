{{ [1, none, 2] | reject('none') | list }} {{ ['a', 1, 'b'] | select('string') | list }} {{ [1, 'x', 2.5] | select('number') | list }}
