{% set comma = joiner(', ') %}{% set rows = cycler('odd', 'even') %}{% for x in range(3) %}{{ comma() }}{{ x }}:{{ rows.next() }}{% endfor %}
