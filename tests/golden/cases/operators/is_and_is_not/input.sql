{{ none is none }} {{ 1 is not none }} {{ 4 is even }} {{ 4 is not even }}
