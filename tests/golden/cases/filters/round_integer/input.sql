{{ 42 | round }} {{ 42 | round(2) }}
