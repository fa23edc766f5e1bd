{% filter upper %}text {{ 'inside' }}{% endfilter %} {% filter replace('a', 'o') %}banana{% endfilter %}
