{{ modules.re.sub('[^a-z0-9]+', '_', 'Order Items (v2)'.lower()) }} {{ modules.re.findall('(\\w)=(\\d)', 'a=1, b=2') }} {{ modules.re.split('\\s*,\\s*', 'x , y,z') }}
