{% call(col, i) each_column(['id', 'name']) %}{{ i }}:{{ col | upper }}{% endcall %}
