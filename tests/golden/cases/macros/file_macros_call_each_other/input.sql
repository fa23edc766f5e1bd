select {{ select_cols(['id', 'Name']) }} from t
