{% set secret = 'local' %}{{ show() }}
