{% for x in [] %}{{ x }}{% else %}empty{% endfor %}
