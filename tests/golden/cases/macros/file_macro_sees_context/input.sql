{{ prefixed('orders') }}
