{% for i in [1, 2] %}{% for j in 'ab' %}{{ i }}{{ j }} {% endfor %}{% endfor %}
