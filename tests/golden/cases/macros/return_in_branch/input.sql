{{ sign(-5) }} {{ sign(0) }} {{ sign(9) }}
