{% for x in [5, 6, 7, 8] %}{{ loop.length }}{% endfor %}
