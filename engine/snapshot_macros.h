// SPDX-License-Identifier: MIT
/*
 * The built-in snapshot macros (snapshot_macros.c), parsed once per
 * session into the `dbt` namespace beside builtin_macros.h's.
 */
#ifndef XF_ENGINE_SNAPSHOT_MACROS_H
#define XF_ENGINE_SNAPSHOT_MACROS_H

extern const char xf_snapshot_macros_sql[];

#endif
