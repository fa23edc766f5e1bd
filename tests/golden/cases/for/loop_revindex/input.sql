{% for x in 'abc' %}{{ loop.revindex }}/{{ loop.revindex0 }} {% endfor %}
