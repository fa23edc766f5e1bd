{%if true%}yes{%else%}no{%endif%}
