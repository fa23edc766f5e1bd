{{ greet('a', 'b') }}
