{# line 1
   line 2 #}
{% raw %}{{ not parsed }}{% endraw %}
select {{ undefined_thing() }}
