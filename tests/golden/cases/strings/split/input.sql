{{ 'a,b,,c'.split(',') }} {{ '  a  b '.split() }} {{ 'a.b.c'.split('.', 1) }} {{ ''.split(',') }} {{ ''.split() }}
