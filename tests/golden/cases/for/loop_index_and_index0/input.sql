{% for x in 'abc' %}{{ loop.index }}/{{ loop.index0 }} {% endfor %}
