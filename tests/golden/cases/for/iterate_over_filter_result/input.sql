{% for w in 'b a c'.split() | sort %}{{ w }}{% endfor %}
