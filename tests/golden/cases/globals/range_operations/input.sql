{{ range(10) | length }} {{ range(10)[3] }} {{ 3 in range(5) }} {{ range(4) | sum }} {{ range(1, 4) | join('+') }}
