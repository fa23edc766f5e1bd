{{ d['items'] }} {{ d['keys'] }}
