select 1{# the answer #} as x
