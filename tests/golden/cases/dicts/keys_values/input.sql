{{ d.keys() | list }} {{ d.values() | list }} {{ d.keys() | join(',') }} {% for k in d.keys() %}{{ k }}{% endfor %}
