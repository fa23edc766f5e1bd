[{{ first_positive([-1, 0, 3, 5]) }}]
