{{ range(0, 10, 3) | list }} {{ range(5, 0, -2) | list }} {{ range(0, 3, 5) | list }}
