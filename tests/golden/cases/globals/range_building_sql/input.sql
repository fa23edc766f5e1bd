{% for i in range(3) %}select {{ i }} as n{% if not loop.last %} union all {% endif %}{% endfor %}
