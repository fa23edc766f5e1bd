{{ 'a' ~ 1 ~ none ~ true ~ 2.5 ~ [1] }}
