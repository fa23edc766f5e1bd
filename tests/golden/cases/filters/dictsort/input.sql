{% for k, v in d | dictsort %}{{ k }}={{ v }} {% endfor %}
{% for k, v in d | dictsort(by='value') %}{{ k }}={{ v }} {% endfor %}
{% for k, v in d | dictsort(reverse=true) %}{{ k }}={{ v }} {% endfor %}
{% for k, v in d | dictsort(true) %}{{ k }}={{ v }} {% endfor %}
