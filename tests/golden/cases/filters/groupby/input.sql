{% for g in rows | groupby('k') %}{{ g.grouper }}:{{ g.list | map(attribute='v') | join(',') }} {% endfor %}
{% for key, items in rows | groupby('k') %}{{ key }}={{ items | length }} {% endfor %}
