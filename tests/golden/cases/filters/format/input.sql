{{ '%s-%s' | format('a', 1) }} {{ '%.2f' | format(3.14159) }} {{ '%05d' | format(42) }} {{ '%-4s|' | format('x') }} {{ '%d%%' | format(50) }}
