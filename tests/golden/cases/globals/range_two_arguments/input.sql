{{ range(2, 5) | list }} {{ range(5, 2) | list }} {{ range(-2, 1) | list }}
