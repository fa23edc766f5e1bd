// SPDX-License-Identifier: MIT
/*
 * The PostgreSQL adapter (libpq). Connection settings come from the
 * target's profile keys, then libpq's own PG* environment defaults.
 */
#ifndef XF_ADAPTERS_POSTGRES_H
#define XF_ADAPTERS_POSTGRES_H

#include "adapters/adapter.h"

struct pg_conn;
struct pg_cancel;

struct xf_postgres_conn {
    struct xf_conn base; /* first: the engine sees only this */
    struct pg_conn *pg;
    struct pg_cancel *cancel; /* kept for the whole connection: PQcancel is signal-safe */
};

extern const struct xf_adapter_ops xf_postgres_ops;

#endif
