[{{ [] | first }}] {{ [] | first is undefined }}
