{{ [1, 2, 3, 4, 5] | select('odd') | list }} {{ [1, 2, 3, 4, 5] | reject('odd') | list }}
