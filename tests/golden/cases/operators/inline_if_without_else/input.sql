[{{ 'x' if false }}] [{{ 'y' if true }}]
