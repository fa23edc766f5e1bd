a  {#- drop the spaces -#}  b
c
{#- joined #}
