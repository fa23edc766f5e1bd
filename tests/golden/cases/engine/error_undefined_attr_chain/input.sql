{{ cfg.schema.name }}
