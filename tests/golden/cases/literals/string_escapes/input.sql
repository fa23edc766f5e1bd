[{{ 'a\nb' }}] [{{ 'x\ty' }}] [{{ 'back\\slash' }}]
