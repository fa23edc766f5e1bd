select {{ my_macro(1) }}
