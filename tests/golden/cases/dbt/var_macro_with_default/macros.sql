{% macro var(name, default=none) %}{{ return(project_vars.get(name, default)) }}{% endmacro %}
