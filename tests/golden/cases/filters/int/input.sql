{{ '42' | int }} {{ 3.9 | int }} {{ -3.9 | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ '3.7' | int }} {{ true | int }}
