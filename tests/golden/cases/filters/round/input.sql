{{ 3.14159 | round(2) }} {{ 2.7 | round }} {{ 2.1 | round(0, 'ceil') }} {{ 2.9 | round(0, 'floor') }} {{ 1.2345 | round(2, 'ceil') }} {{ -2.5 | round(0, 'floor') }}
