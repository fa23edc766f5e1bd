{% set columns = ['a'] %}{{ colums | join(',') }}{{ colums.x }}
