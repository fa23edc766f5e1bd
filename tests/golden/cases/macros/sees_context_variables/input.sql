{% macro schema_for(custom) %}{% if custom %}{{ target.schema }}_{{ custom }}{% else %}{{ target.schema }}{% endif %}{% endmacro %}{{ schema_for('staging') }} {{ schema_for(none) }}
