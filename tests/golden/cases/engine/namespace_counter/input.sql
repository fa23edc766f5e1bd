{% set ns = namespace(n=0, names=[]) %}{% for u in users %}{% if u.active %}{% set ns.n = ns.n + 1 %}{% do ns.names.append(u.name) %}{% endif %}{% endfor %}{{ ns.n }} {{ ns.names | join(',') }}
