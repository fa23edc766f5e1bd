{{ (1 | string) ~ 'x' }} {{ [1] | string }} {{ none | string }} {{ 12 | string | length }} {{ 1.5 | string }}
