{% for c in cols %}{{ c }}{% endfor %}
