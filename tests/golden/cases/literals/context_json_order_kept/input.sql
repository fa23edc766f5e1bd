{% for k in cols %}{{ k }} {% endfor %}
