{{ 'hello big  world' | wordcount }} {{ '' | wordcount }} {{ 'one' | wordcount }}
