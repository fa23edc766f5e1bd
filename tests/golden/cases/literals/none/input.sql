{{ none }} {{ None }}
