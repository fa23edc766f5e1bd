{{ 'hELLO wORLD' | capitalize }} {{ 'x' | capitalize }}
