{{ 2 is even }} {{ 3 is even }} {{ 3 is odd }} {{ 0 is odd }} {{ -4 is even }}
