{{ 'caf\u00e9' }}
