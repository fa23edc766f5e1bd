{{ cols | map('lower') | join(', ') }} {{ cols | length }} {{ cols | first | lower }}
