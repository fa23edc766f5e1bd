{% if flag %}a{% else %}b{% endif %}
