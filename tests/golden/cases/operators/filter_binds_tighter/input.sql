{{ 'a' ~ 'b' | upper }} {{ ('a' ~ 'b') | upper }} {{ -1 | abs }} {{ 10 - 3 | abs }}
