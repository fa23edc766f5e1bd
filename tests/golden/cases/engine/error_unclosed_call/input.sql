{% call wrap() %}
body
