{{ range(5) | list }} {{ range(0) | list }} {{ range(-2) | list }}
