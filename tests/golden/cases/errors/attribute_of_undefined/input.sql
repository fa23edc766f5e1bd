{{ cfg.materialized }}
