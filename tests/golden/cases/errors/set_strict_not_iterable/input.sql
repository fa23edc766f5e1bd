{{ set_strict(5) }}
