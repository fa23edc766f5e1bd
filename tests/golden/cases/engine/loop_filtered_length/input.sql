{% for x in range(10) if x % 3 == 0 %}{{ x }}({{ loop.index }}/{{ loop.length }}){% endfor %}
