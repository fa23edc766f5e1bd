{{ 'a\nb\n\nc' | indent(2) }}
~~
{{ 'a\nb' | indent(4, true) }}
~~
{{ 'a\n\nb' | indent(2, blank=true) }}
~~
{{ 'x\ny' | indent }}
