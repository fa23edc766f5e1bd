select {{ cents_to_dollars('amount') }} as amount, {{ cents_to_dollars('fee', 4) }} as fee
