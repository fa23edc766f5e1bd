{% if true %}shown{% endif %}|{% if false %}hidden{% endif %}|
