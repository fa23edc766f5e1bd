{{ 'a,b,c'.split(',')[1] }} {{ 'x.y'.split('.')[-1] | upper }}
