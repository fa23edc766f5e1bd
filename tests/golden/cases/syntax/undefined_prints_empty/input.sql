[{{ missing }}] [{{ missing | upper }}]
