// SPDX-License-Identifier: MIT
/*
 * The embedded SQLite adapter. A schema is a database file: the target's
 * file holds the default schema and every other schema `s` is the file
 * `s.db` beside it, ATTACHed under the name `s`.
 */
#ifndef XF_ADAPTERS_SQLITE_H
#define XF_ADAPTERS_SQLITE_H

#include <stdatomic.h>
#include <stdbool.h>

#include "adapters/adapter.h"

struct sqlite3;

struct xf_sqlite_conn {
    struct xf_conn base; /* first: the engine sees only this */
    struct sqlite3 *db;
    char *main_path;   /* the target's database file */
    char *dir;         /* folder of main_path: where `<schema>.db` files live */
    char *main_schema; /* the target's schema ("main" unless configured) */
    /*
     * true when main_schema is not "main": the connection's own main
     * database is then an empty in-memory one and main_path is ATTACHed
     * under main_schema, so `"analytics"."orders"` names it directly.
     */
    bool main_attached;
    /*
     * Every file of this connection is in WAL mode (the target's
     * journal_mode, a file database): read connections may run beside
     * the writer. False for ":memory:" and journal_mode 'delete'.
     */
    bool wal;
    atomic_int cancelled; /* set by cancel(), consumed by the next statement */
};

extern const struct xf_adapter_ops xf_sqlite_ops;

/* adapters/sqlite_extras.c: the create_index op (adapter.h). */
int xf_sqlite_create_index(struct xf_conn *c, const struct xf_relation *r,
                           const struct xf_index *ix, struct xf_buf *executed, struct xf_buf *err);

#endif
