{#-
    Customers as they come from the shop's database: one row per customer.
    We read the seed here; in production this would be a source().
#}
with source as (

    select * from {{ ref('raw_customers') }}

),

renamed as (

    select
        id as customer_id,
        first_name,
        last_name

    from source

)

select * from renamed
