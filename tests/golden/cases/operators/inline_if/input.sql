{{ 'yes' if 1 > 0 else 'no' }} {{ 'yes' if 0 else 'no' }}
