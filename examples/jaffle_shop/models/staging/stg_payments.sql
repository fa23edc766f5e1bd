{#-
    Payments, one row per payment; an order can be paid in several parts.
    The shop stores amounts in cents: we convert them to dollars here.
#}
with source as (

    select * from {{ ref('raw_payments') }}

),

renamed as (

    select
        id as payment_id,
        order_id,
        payment_method,

        -- `amount` is stored in cents, so we convert it to dollars
        amount / 100.0 as amount

    from source

)

select * from renamed
