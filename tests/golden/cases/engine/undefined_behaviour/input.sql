[{{ missing }}] {{ missing is defined }} {{ missing | default('d') }} {{ missing | length }} {% for x in missing %}never{% endfor %}{{ missing == missing }} {{ not missing }}
