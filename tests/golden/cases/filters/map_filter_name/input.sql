{{ ['a', 'b'] | map('upper') | list }} {{ ['1', '2'] | map('int') | sum }}
