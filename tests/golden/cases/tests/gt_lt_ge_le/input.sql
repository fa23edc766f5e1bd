{{ 5 is gt 3 }} {{ 5 is lt 3 }} {{ 3 is ge 3 }} {{ 3 is le 2 }} {{ 'b' is gt 'a' }}
