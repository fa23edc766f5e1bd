{{ 'héllo wörld' | upper }} {{ 'ÉCOLE'.lower() }} {{ 'élan vital' | title }}
