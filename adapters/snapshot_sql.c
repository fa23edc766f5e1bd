// SPDX-License-Identifier: MIT
/*
 * Warehouse variants of the snapshot macros (see snapshot_sql.h). The
 * engine's defaults are ANSI; PostgreSQL closes the old versions with
 * UPDATE ... FROM, one join instead of a subquery per row, as
 * dbt-postgres does. SQLite runs the defaults.
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
    "{%- endmacro %}\n";
