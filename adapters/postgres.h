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

/* adapters/pg_extras.c: the ops of the same names in adapter.h, over exec and query. */
int xf_pg_show_grants(struct xf_conn *c, const struct xf_relation *r, struct xf_arena *a,
                      struct xf_grant **out, size_t *n, struct xf_buf *err);
int xf_pg_grant(struct xf_conn *c, const struct xf_relation *r, bool revoke, const char *privilege,
                const char *const *grantees, size_t n, struct xf_buf *executed, struct xf_buf *err);
int xf_pg_comment(struct xf_conn *c, const struct xf_relation *r, const char *column, bool quote,
                  const char *text, struct xf_buf *executed, struct xf_buf *err);
int xf_pg_create_index(struct xf_conn *c, const struct xf_relation *r, const struct xf_index *ix,
                       struct xf_buf *executed, struct xf_buf *err);
int xf_pg_materialized_view(struct xf_conn *c, const struct xf_relation *r, const char *select_sql,
                            bool full_refresh, const char *on_change, const struct xf_index *ix,
                            size_t nix, const char **message, struct xf_buf *note,
                            struct xf_buf *executed, struct xf_buf *err);

#endif
