{% set q %}
select *
from t
{% endset %}[{{ q }}]
