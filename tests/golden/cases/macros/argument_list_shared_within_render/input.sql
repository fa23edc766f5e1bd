{{ at_least_one_by('value', cols) }}
{{ at_least_one_by('other', cols) }}
{{ cols }}
{{ fresh_default(1) }} {{ fresh_default(2) }}
{% set lit = [] %}{% for i in range(2) %}{% set l = [] %}{% do l.append(i) %}{{ l }}{% endfor %}
