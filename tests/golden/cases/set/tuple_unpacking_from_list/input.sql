{% set db, schema, table = 'raw.jaffle.orders'.split('.') %}{{ table }}@{{ schema }}@{{ db }}
