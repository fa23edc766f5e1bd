{%- set tree = [{'name': 'shop', 'kids': [{'name': 'staging', 'kids': [{'name': 'stg_orders', 'kids': []}]}, {'name': 'marts', 'kids': []}]}] -%}
{% for node in tree recursive -%}
{{ '  ' * loop.depth0 }}{{ node.name }} (depth {{ loop.depth }}, {{ loop.index }}/{{ loop.length }})
{{ loop(node.kids) }}
{%- endfor %}
