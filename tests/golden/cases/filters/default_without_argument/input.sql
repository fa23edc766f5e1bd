[{{ missing | default }}]
