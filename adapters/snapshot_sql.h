// SPDX-License-Identifier: MIT
/*
 * Snapshot macros one warehouse needs in place of the defaults
 * (<adapter>__snapshot_merge_sql ...), as Jinja text the engine parses
 * into the `dbt` namespace; adapter.dispatch picks them by adapter name.
 */
#ifndef XF_ADAPTERS_SNAPSHOT_SQL_H
#define XF_ADAPTERS_SNAPSHOT_SQL_H

extern const char xf_adapter_snapshot_macros_sql[];

#endif
