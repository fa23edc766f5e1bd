{% for item in [1, 2] %}{% endfor %}[{{ item }}]
