{% set n = 1114112 %}
select '{{ '%c' % n }}' as c
