{% set k = 'schema' %}{{ model[k] }} {{ model['na' ~ 'me'] }}
