{{ d.nope | default('fallback') }} {{ d.a | default('fallback') }}
