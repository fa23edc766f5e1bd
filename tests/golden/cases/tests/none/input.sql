{{ none is none }} {{ 0 is none }} {{ '' is none }} {{ missing is none }}
