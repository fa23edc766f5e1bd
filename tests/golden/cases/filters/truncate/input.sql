{{ 'hello world foo bar' | truncate(9) }}
{{ 'hello world foo bar' | truncate(9, true) }}
{{ 'short' | truncate(9) }}
{{ 'hello world!' | truncate(9) }}
{{ 'abcdefghijklmnopqrstuvwxyz' | truncate(10, true, '>', 0) }}
