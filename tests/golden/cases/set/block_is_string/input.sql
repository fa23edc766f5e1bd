{% set n %}{{ 40 + 2 }}{% endset %}{{ n ~ '!' }} {{ n | length }} {{ n is string }}
