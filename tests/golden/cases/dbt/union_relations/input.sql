{% for rel in relations %}
select '{{ rel }}' as _source, * from {{ rel }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
