a {% else %} b
