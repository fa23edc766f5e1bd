{% set ns = namespace() %}{% set ns.items = [] %}{% do ns.items.append('a') %}{% set ns.label = 'x' %}{{ ns.items }} {{ ns.label }}
