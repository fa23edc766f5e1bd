{{ 2.5 | round }} {{ 3.5 | round }} {{ 0.125 | round(2) }} {{ -0.5 | round }}
