{% for x in range(10) if x is odd %}{{ x }}{% if not loop.last %},{% endif %}{% endfor %} 
