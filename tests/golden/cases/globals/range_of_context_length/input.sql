{{ range(items | length) | list }} {{ items | sum }}
