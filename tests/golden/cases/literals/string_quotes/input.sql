{{ 'single' }} {{ "double" }} {{ "it's" }} {{ 'say "hi"' }}
