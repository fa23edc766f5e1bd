-- {{ 'rendered' }} inside a sql comment
/* {{ 1 + 1 }} */ select 1
