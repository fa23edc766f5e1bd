{% for k in d %}{{ k }}={{ d[k] }} {% endfor %}
