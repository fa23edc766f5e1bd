{{ users | join(', ', attribute='name') }}
