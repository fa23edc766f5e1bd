{{ rows | sort(attribute='p') | map(attribute='n') | join }} {{ rows | sort(attribute='p', reverse=true) | map(attribute='n') | join }} {{ rows | sort(attribute='n') | map(attribute='p') | list }}
