// SPDX-License-Identifier: MIT
/*
 * Macros xform ships, in Jinja: dbt's naming macros and cross-database
 * helpers (the `dbt` namespace). A project macro of the same name wins.
 */
#ifndef XF_ENGINE_BUILTIN_MACROS_H
#define XF_ENGINE_BUILTIN_MACROS_H

extern const char xf_builtin_macros_sql[];
/* The dbt_utils tests and macros projects use most, as namespace dbt_utils. */
extern const char xf_builtin_dbt_utils_sql[];

#endif
