a {%- raw -%} {{ b }} {%- endraw -%} c
