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
    "{%- endmacro %}\n"
    "{# closes old versions with UPDATE ... FROM: one join, not a subquery per row (SQLite\n"
    "   planned that as a scan of the staging table per closed row) #}\n"
    "{% macro postgres__snapshot_merge_sql(target, source, insert_cols) -%}\n"
    "  {%- set columns = get_snapshot_table_column_names() -%}\n"
    "update {{ target }} as snap_dest\n"
    "set {{ columns.dbt_valid_to }} = staged.{{ columns.dbt_valid_to }}\n"
    "from {{ source }} as staged\n"
    "where staged.{{ columns.dbt_scd_id }}::text = snap_dest.{{ columns.dbt_scd_id }}::text\n"
    "  and staged.dbt_change_type::text in ('update', 'delete')\n"
    "  and {{ snapshot_is_current('snap_dest', columns) }};\n"
    "insert into {{ target }} ({{ insert_cols | join(', ') }})\n"
    "select {% for c in insert_cols %}staged.{{ c }}{{ ', ' if not loop.last }}{% endfor %}\n"
    "from {{ source }} as staged\n"
    "where staged.dbt_change_type::text = 'insert'\n"
    "{%- endmacro %}\n";
