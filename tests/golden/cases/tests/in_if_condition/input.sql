{% if cfg.unique_key is defined and cfg.unique_key is string %}merge on {{ cfg.unique_key }}{% endif %}
{% if cfg.partition_by is not defined %}no partitioning{% endif %}
