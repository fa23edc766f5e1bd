[{% do 1 + 2 %}][{% do 'text' %}]
