{{ materialization_view_default() }} {{ test_not_null('m', 'c') | trim }}
