{{ schema }} {% set schema = 'overridden' %}{{ schema }}
