{{ 'hello world' | title }} {{ 'hELLO-wORLD foo_bar' | title }} {{ "o'neil (test)" | title }}
