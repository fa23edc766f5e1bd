{% if target == 'dev' %}dev_schema{% elif target == 'ci' %}ci_schema{% elif target == 'prod' %}prod_schema{% else %}other{% endif %}
