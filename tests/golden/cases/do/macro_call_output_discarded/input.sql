{% macro noisy() %}NOISE{% endmacro %}[{% do noisy() %}]
