select
{# this comment
   spans several
   lines #}
1
