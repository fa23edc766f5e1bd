[{{ generate_schema_name(none, none) }}] [{{ generate_schema_name(' marts ', none) }}]
