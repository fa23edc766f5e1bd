// SPDX-License-Identifier: MIT
/*
 * Warehouse variants of the snapshot macros (see snapshot_sql.h). The
 * engine's defaults are ANSI; PostgreSQL and SQLite (3.33+) close the old
 * versions with UPDATE ... FROM, one join instead of a subquery per row
 * (SQLite plans that subquery as a scan of the staging table per closed
 * row: 200,000 rows took minutes), as dbt-postgres does.
 */
#include "adapters/snapshot_sql.h"

const char xf_adapter_snapshot_macros_sql[] =
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
    "{%- endmacro %}\n"
    "{% macro sqlite__snapshot_merge_sql(target, source, insert_cols) -%}\n"
    "  {%- set columns = get_snapshot_table_column_names() -%}\n"
    "update {{ target }} as snap_dest\n"
    "set {{ columns.dbt_valid_to }} = staged.{{ columns.dbt_valid_to }}\n"
    "from {{ source }} as staged\n"
    "where staged.{{ columns.dbt_scd_id }} = snap_dest.{{ columns.dbt_scd_id }}\n"
    "  and staged.dbt_change_type in ('update', 'delete')\n"
    "  and {{ snapshot_is_current('snap_dest', columns) }};\n"
    "insert into {{ target }} ({{ insert_cols | join(', ') }})\n"
    "select {{ insert_cols | join(', ') }}\n"
    "from {{ source }}\n"
    "where dbt_change_type = 'insert'\n"
    "{%- endmacro %}\n";
