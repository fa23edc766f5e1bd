{% for name, n in sizes | dictsort %}{{ loop.index }}:{{ name }}={{ n }}{{ ', ' if not loop.last }}{% endfor %}
