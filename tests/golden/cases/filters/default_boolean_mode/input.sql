{{ '' | default('x', true) }} {{ none | default('x', true) }} {{ 0 | d(5, true) }} {{ 'a' | default('x', true) }} {{ [] | default(['e'], boolean=true) }}
