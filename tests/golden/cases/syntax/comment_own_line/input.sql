a
{# note #}
b
