{{ as_list()|length }} {{ as_dict().k }} {{ as_none() is none }} {{ as_num() + 1 }}
