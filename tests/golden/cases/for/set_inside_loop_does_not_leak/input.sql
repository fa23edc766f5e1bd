{% set total = 0 %}{% for i in [1, 2, 3] %}{% set total = total + i %}[{{ total }}]{% endfor %} total={{ total }}
