select '{{ meta | tojson }}' as meta
