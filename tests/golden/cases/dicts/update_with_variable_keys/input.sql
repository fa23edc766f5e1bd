{% set types = {} %}{% for c in cols %}{% do types.update({c: 'text' if c != 'id' else 'int'}) %}{% endfor %}{{ types }}
