{{ '  Stg_Orders  '.strip().lower().replace('stg_', '') }}
