{{ (1 if true else 2) + 10 }} {{ 'n=' ~ ('big' if 5 > 3 else 'small') }}
