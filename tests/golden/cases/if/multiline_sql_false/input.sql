select *
from events
{% if is_incremental %}
where loaded_at > (select max(loaded_at) from this)
{% endif %}
