{% for i in [1, 2] %}
row {{ i }}
{% endfor %}
