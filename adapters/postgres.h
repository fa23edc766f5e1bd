// SPDX-License-Identifier: MIT
/*
 * The PostgreSQL adapter (libpq). Connection settings come from the
 * target's profile keys (host, port, user, password or pass, dbname or
 * database, sslmode, sslcert, sslkey, sslrootcert, connect_timeout,
 * keepalives_idle, application_name, search_path, role, and `conninfo`
 * or `uri` with a whole libpq connection string), then libpq's own PG*
 * environment defaults. No error text ever contains the password.
 */
#ifndef XF_ADAPTERS_POSTGRES_H
#define XF_ADAPTERS_POSTGRES_H

#include <stdatomic.h>

#include "adapters/adapter.h"

struct pg_conn;
struct pg_cancel;

struct xf_postgres_conn {
    struct xf_conn base; /* first: the engine sees only this */
    struct pg_conn *pg;
    struct pg_cancel *cancel; /* kept for the whole connection: PQcancel is signal-safe */
    char *dbname;             /* the connected database, for relations we list */
    atomic_int cancelled;     /* set by cancel(), consumed by the next statement */
};

extern const struct xf_adapter_ops xf_postgres_ops;

#endif
