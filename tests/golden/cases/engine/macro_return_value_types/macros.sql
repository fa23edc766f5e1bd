{% macro as_list() %}{{ return([1, 2, 3]) }}{% endmacro %}
{% macro as_dict() %}{% do return({'k': 'v'}) %}{% endmacro %}
{% macro as_none() %}{{ return(none) }}{% endmacro %}
{% macro as_num() %}ignored text{{ return(41) }}more{% endmacro %}
