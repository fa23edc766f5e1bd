[{{ '  x  ' | trim }}] [{{ '\n\tx y\n' | trim }}] [{{ '--x--' | trim('-') }}] [{{ 'xyzx' | trim('xz') }}]
