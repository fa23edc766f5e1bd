owner: {{ node.config.meta.owner }}
