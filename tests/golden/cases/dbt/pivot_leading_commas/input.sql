select
    order_id
    {%- for m in payment_methods %},
    sum(case when payment_method = '{{ m }}' then amount end) as {{ m }}_amount
    {%- endfor %}
from payments
