{{ x is defined }} {{ y is defined }} {{ y is undefined }} {{ x is undefined }} {{ n is defined }}
