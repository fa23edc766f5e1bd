{% set a = [1] %}{% set b = a %}{% do b.append(2) %}{{ a }} {{ b }}
