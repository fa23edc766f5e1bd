{{ name | uper }}
