{{ 9 is divisibleby 3 }} {{ 10 is divisibleby(3) }} {{ 0 is divisibleby 5 }}
