{{ name.lower() }}_{{ name.upper() }} {{ name.startswith('O') }}
