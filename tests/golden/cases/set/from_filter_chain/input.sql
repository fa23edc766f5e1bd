{% set names = columns | map(attribute='name') | list %}{{ names }}
