select '}}' as a, '%}' as b, '#}' as c, '{' as d
