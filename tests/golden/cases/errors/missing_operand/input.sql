select {{ 1 + }}
