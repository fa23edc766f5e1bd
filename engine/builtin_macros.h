// SPDX-License-Identifier: MIT
/*
 * Macros xform ships, in Jinja: dbt's naming macros, generic tests and
 * global cross-database macros (the `dbt` namespace). A project macro of
 * the same name wins for plain calls; `dbt.X` is always the built-in,
 * which picks <adapter>__X or default__X through adapter.dispatch('X',
 * 'dbt'), the project's first. docs/global_macros.md lists them.
 */
#ifndef XF_ENGINE_BUILTIN_MACROS_H
#define XF_ENGINE_BUILTIN_MACROS_H

extern const char xf_builtin_macros_sql[];
/* The dbt_utils tests and macros projects use most, as namespace dbt_utils. */
extern const char xf_builtin_dbt_utils_sql[];

#endif
