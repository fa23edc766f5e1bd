{{ cols | jion(', ') }}
