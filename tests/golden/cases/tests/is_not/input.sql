{{ 1 is not string }} {{ missing is not defined }} {{ none is not none }} {{ 3 is not odd }}
