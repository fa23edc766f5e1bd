{% set methods = payment_methods() %}{{ methods | length }} {{ methods[1] }} {{ methods }}
