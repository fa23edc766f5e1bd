{% for c in 'abc' %}[{{ c }}]{% endfor %}
