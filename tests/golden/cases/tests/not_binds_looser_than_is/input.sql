{{ not missing is defined }} {{ not 3 is odd }}
