select {{ outer(1) }}
