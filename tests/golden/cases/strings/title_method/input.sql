{{ 'hello wORLD'.title() }} {{ "o'neil foo_bar".title() }}
