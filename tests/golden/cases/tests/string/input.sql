{{ 'a' is string }} {{ 1 is string }} {{ ['a'] is string }} {{ none is string }}
