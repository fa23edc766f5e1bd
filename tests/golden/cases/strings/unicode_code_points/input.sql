{{ 'héllo' | length }} {{ 'héllo'[1] }} {{ 'héllo'[1:3] }} {{ 'héllo' | reverse }} {{ 'naïve café'.split(' ') | last }} {{ 'é' in 'café' }}
