{{ 'a' in d }} {{ 'z' not in d }} {{ 1 in d }} {{ d | length }}
