a {# note
b
