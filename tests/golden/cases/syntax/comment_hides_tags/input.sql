{# {{ not_called() }} {% if %} {% endfor %} #}ok
