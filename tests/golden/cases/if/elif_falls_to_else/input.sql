{% set n = 5 %}{% if n < 0 %}neg{% elif n == 0 %}zero{% elif n < 3 %}small{% else %}big{% endif %}
