
with source as (

    select * from "main"."raw_payments"

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
