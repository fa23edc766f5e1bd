{{ 1 is number }} {{ 1.5 is number }} {{ '1' is number }} {{ none is number }} {{ -3 is number }}
