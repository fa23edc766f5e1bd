{% for row in [1, 2, 3, 4, 5] | batch(2) %}{{ row }}{% endfor %} {% for row in [1, 2, 3, 4, 5] | batch(2, 0) %}{{ row }}{% endfor %}
