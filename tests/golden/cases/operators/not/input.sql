{{ not true }} {{ not 0 }} {{ not [] }} {{ not 'a' }} {{ not none }}
