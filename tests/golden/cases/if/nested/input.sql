{% if a %}A{% if b %}B{% else %}notB{% endif %}{% else %}notA{% endif %}
