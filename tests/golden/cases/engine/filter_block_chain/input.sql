{% filter indent(2, first=true) | upper %}a
b{% endfilter %}
