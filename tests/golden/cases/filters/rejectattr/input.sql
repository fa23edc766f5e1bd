{{ models | rejectattr('enabled') | map(attribute='name') | list }} {{ models | rejectattr('kind', 'eq', 'table') | map(attribute='name') | list }}
