where event_date >= current_date - {{ var('lookback_days', 3) }}
  and env = '{{ var('env', 'dev') }}'
