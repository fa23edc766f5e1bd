{{ namespace(a=1).a }} {% set ns = namespace(items=[]) %}{% do ns.items.append(1) %}{{ ns.items }}
