{{ [] is sequence }} {{ 'abc' is sequence }} {{ {} is sequence }} {{ 1 is sequence }} {{ (1,) is sequence }}
