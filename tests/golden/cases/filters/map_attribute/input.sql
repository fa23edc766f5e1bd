{{ cols | map(attribute='name') | join(', ') }} {{ cols | map(attribute='type') | list }}
