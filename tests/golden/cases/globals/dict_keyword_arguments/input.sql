{{ dict(a=1, b='x') }} {{ dict() }} {{ dict(a=1).a }}
