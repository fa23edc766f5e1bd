select
  id,
  {{ cents_to_dolars('amount') }}
from t
