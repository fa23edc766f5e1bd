select {{ cols | frobnicate(', ') }}
