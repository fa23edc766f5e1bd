{% frobnicate 'x' %}
