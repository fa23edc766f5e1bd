{{ {} is mapping }} {{ d is mapping }} {{ [] is mapping }} {{ 'a' is mapping }}
