{{ items | sum(attribute='amount') }} {{ items | map(attribute='amount') | sum }}
