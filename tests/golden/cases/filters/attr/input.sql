{% set ns = namespace(count=3) %}{{ ns | attr('count') }} {{ ('abc' | attr('upper'))() }}
