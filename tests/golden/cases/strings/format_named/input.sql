{{ '{schema}.{table}'.format(schema='analytics', table='orders') }} {{ '{0}-{name}'.format(1, name='n') }}
