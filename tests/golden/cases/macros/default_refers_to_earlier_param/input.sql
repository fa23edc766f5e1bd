{% macro m(a, b=a ~ '!', c=b | upper) %}{{ a }} {{ b }} {{ c }}{% endmacro %}{{ m('hi') }} / {{ m('hi', 'yo') }}
