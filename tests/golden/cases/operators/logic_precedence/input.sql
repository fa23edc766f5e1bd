{{ true or false and false }} {{ not true or true }} {{ not (true or true) }} {{ false and true or true }}
