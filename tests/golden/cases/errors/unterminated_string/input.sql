select {{ 'abc }} from t
