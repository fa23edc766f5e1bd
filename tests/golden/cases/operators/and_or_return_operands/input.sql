{{ 0 or 'x' }} {{ 1 and 'y' }} {{ '' or none }} {{ [] and 1 }} {{ 'a' or 'b' }} {{ none and 1 }}
