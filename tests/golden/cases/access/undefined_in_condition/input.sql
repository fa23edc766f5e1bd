{% if cfg.enabled %}on{% else %}off{% endif %}
