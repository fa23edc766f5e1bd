{{ d.a is defined }} {{ d.b is defined }} {{ d['b'] is undefined }}
