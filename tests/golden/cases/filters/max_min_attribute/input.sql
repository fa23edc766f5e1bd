{{ (rows | max(attribute='p')).n }} {{ (rows | min(attribute='p')).n }}
