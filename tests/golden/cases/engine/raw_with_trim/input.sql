x {%- raw %} {{ kept }} {% endraw -%} y
