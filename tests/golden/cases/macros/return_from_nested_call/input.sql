{{ outer(1) }}
