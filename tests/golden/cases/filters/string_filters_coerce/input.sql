{{ 12 | upper }} {{ none | lower }} {{ true | upper }}
