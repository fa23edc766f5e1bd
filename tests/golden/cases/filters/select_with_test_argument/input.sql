{{ [1, 5, 10, 15] | select('gt', 4) | list }} {{ [3, 4, 6, 9] | select('divisibleby', 3) | list }} {{ ['a', 'b', 'c'] | reject('in', ['b']) | list }}
