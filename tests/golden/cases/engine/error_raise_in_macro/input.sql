{{ check_unique(none) }}
