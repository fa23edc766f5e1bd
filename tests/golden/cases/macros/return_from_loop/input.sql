{{ find_first(['stg_a', 'int_b', 'fct_c'], 'int_') }} {{ find_first(['x'], 'y') }}
