{{ ["it's", 'say "hi"', 'a\\b', 'tab\there'] }}
