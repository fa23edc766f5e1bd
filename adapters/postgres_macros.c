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
    "{% macro postgres__any_value(expression) %}min({{ expression }}){% endmacro %}\n";
