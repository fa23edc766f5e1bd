{% if 4 is evn %}even{% endif %}
