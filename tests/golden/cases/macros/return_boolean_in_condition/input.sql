{% if is_prod('prod') %}yes{% endif %} {% if not is_prod('dev') %}no{% endif %} {{ is_prod('dev') }}
