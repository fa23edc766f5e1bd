{{ missing | default('x') }} {{ missing | d('y') }} {{ 'set' | default('z') }}
