select {{ columns | join(', ') }}
from {{ source_schema }}.orders
