// SPDX-License-Identifier: MIT
/*
 * PostgreSQL's implementations of dispatched macros (<adapter>__X in dbt's
 * terms) where the ANSI default__X does not fit.
 * They join the `dbt` namespace (after the built-ins of engine/builtin_macros.c), so
 * adapter.dispatch('X', 'dbt') finds postgres__X before default__X; a project's
 * or package's macro of the same name, or its dispatch search order, wins.
 */
#include "adapters/internal.h"

const char xf_postgres_macros_sql[] =
    "{% macro postgres__any_value(expression) %}min({{ expression }}){% endmacro %}\n"
    "{# dbt-postgres's: the unlogged config makes an unlogged table #}\n"
    "{% macro postgres__create_table_as(temporary, relation, sql, language='sql') -%}\n"
    "create {% if temporary %}temporary {% elif config.get('unlogged') %}unlogged {% endif %}"
    "table {{ relation }} as (\n"
    "{{ sql }}\n"
    ")\n"
    "{%- endmacro %}\n";
