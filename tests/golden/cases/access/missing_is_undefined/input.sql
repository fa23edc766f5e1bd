[{{ d.nope }}][{{ d['nope'] }}][{{ l[10] }}][{{ none.x }}]
