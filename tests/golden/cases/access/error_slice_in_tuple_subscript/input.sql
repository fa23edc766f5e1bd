select {{ [1][:, 2] }} as x
