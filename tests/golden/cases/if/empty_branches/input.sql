[{% if true %}{% else %}no{% endif %}][{% if false %}yes{% elif false %}{% else %}{% endif %}]
