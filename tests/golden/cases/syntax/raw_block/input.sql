{% raw %}{{ x }} {% if %} {# c #}{% endraw %}
