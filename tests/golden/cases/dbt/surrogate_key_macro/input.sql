select {{ surrogate_key(['order_id', 'line_no']) }} as id
