{{ "it's <b> & co" | tojson }}
