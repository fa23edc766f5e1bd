[{{ '' | default('x') }}] {{ none | default('x') }} {{ 0 | default(5) }} {{ false | default(true) }}
