{% for k, v in {'b': 2, 'a': 1}.items() %}{{ k }}={{ v }};{% endfor %} {% set a, b = 'xy' %}{{ b }}{{ a }}
