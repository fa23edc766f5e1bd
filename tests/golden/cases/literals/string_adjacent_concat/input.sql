{{ 'abc' "def" }}
