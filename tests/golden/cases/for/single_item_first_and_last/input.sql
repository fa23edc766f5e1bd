{% for x in ['only'] %}{{ loop.first }} {{ loop.last }} {{ loop.length }}{% endfor %}
