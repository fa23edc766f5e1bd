select {{ 42 }} as answer, '{{ "text" }}' as label
