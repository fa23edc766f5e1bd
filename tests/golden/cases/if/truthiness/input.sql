{% for v in [0, 1, '', 'a', [], [0], {}, {'a': 1}, none, 0.0, 0.5, ' '] %}{% if v %}T{% else %}F{% endif %}{% endfor %}
