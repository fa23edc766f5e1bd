{% set sql %}select {{ 1 + 1 }} as two{% endset %}[{{ sql }}]
