{% set v = text_only() %}{{ v | upper }}
