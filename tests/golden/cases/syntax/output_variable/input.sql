select * from {{ table_name }}
