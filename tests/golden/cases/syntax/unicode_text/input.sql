select 'héllo ✓' as s, '{{ 'ünï' }}' as t
