{{ modules.itertools.chain([1], [2, 3]) | list }}
{{ modules.itertools.product('ab', [1, 2]) | list }}
{{ modules.itertools.product([0, 1], repeat=2) | list }}
{{ modules.itertools.combinations([1, 2, 3, 4], 3) | list }}
{{ modules.itertools.permutations('abc', 2) | list }}
{{ modules.itertools.permutations([1, 2]) | list }}
{% for a, b in modules.itertools.combinations(['x', 'y', 'z'], 2) %}{{ a }}{{ b }} {% endfor %}
