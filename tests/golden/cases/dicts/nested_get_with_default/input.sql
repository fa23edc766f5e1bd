{{ node.config.get('meta', {}).get('owner', 'nobody') }} {{ other.config.get('meta', {}).get('owner', 'nobody') }}
