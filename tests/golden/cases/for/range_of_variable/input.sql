{% for i in range(1, n + 1) %}{{ i * i }} {% endfor %}
