{{ [] is iterable }} {{ 'abc' is iterable }} {{ {} is iterable }} {{ 1 is iterable }} {{ none is iterable }} {{ (1,) is iterable }}
