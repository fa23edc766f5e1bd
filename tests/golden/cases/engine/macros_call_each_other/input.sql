{{ quoted_list(['a', 'b']) }}
