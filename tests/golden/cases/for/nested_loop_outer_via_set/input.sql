{% for row in [[1, 2], [3]] %}{% set outer = loop %}{% for v in row %}{{ outer.index }}.{{ loop.index }}={{ v }} {% endfor %}{% endfor %}
