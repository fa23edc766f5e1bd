// SPDX-License-Identifier: MIT
/*
 * The warehouse interface. An adapter is a table of operations plus a
 * connection struct that concrete adapters embed as their first member.
 * SQLite and Postgres are two instances; the engine never asks which one
 * it has. Dialect differences are data (quote char, type names) or ops.
 *
 * Every op returns 0 or a negative error; on error a message (the
 * database's, with position when it has one) is appended to `err`.
 * Nothing here prints.
 */
#ifndef XF_ADAPTERS_ADAPTER_H
#define XF_ADAPTERS_ADAPTER_H

#include <stdbool.h>
#include <stddef.h>

#include "parser/csv.h"
#include "parser/target.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/value.h"

struct xf_adapter_ops;

/*
 * What the node being built on a connection asks of every statement
 * (set by the engine before the node's first statement, cleared after).
 */
struct xf_conn_node {
    const char *comment; /* the query comment, without its delimiters; NULL: none */
    bool comment_append; /* at the end of each statement instead of before it */
    bool unlogged;       /* tables are created unlogged (where the warehouse has them) */
};

/* Base of every connection; concrete adapters embed it first. */
struct xf_conn {
    const struct xf_adapter_ops *ops;
    const struct xf_target *target;
    struct xf_conn_node node;
};

enum xf_relkind { XF_REL_NONE, XF_REL_TABLE, XF_REL_VIEW };

struct xf_relation {
    const char *database; /* may be NULL */
    const char *schema;
    const char *identifier;
};

struct xf_column_info {
    const char *name;
    const char *data_type;
    int position; /* 1-based */
};

/* A privilege on a relation granted to a role (grants config). */
struct xf_grant {
    const char *privilege; /* "select", lower case */
    const char *grantee;
};

/* An index (indexes config): columns, unique, method ("btree"...). */
struct xf_index {
    const char *name; /* as it exists (listed), or NULL: the adapter names a new one */
    const char *const *columns;
    size_t ncolumns;
    bool unique;
    const char *type; /* NULL: the warehouse's default */
};

/* A query result: every cell as a value (int, float, string or none). */
struct xf_result {
    size_t ncols, nrows;
    const char **colnames;
    const char **coltypes;  /* declared/database types, may be "" */
    struct xf_value *cells; /* nrows * ncols, row-major */
};

/*
 * The statement that creates relation `r` (a table or a view, as `kind`
 * says) from `select_sql` (trimmed of trailing semicolons; not
 * NUL-terminated): the engine renders it from its overridable macros
 * (get_create_table_as_sql, get_create_view_as_sql). Appends it to out;
 * returns 0, or -1 with the reason in err.
 */
struct xf_create_sql {
    int (*render)(void *user, struct xf_buf *out, const struct xf_relation *r, enum xf_relkind kind,
                  struct xf_str select_sql, struct xf_buf *err);
    void *user;
};

/*
 * Work that belongs to a replacement's transaction: run on the connection
 * once the new relation has its name, before the commit (dbt creates
 * indexes, applies grants and persist_docs there). An error rolls the
 * whole replacement back: the old relation stays as it was.
 */
struct xf_commit_hook {
    int (*fn)(void *user, struct xf_conn *c, struct xf_buf *executed, struct xf_buf *err);
    void *user;
};

struct xf_adapter_ops {
    const char *name; /* "sqlite", "postgres": also the dispatch prefix */
    /*
     * The adapter's own macros, Jinja text parsed once per session into
     * the `dbt` namespace: its <name>__X implementations of dispatched
     * macros (types, dates, strategy SQL). NULL: none.
     */
    const char *macros_sql;
    bool single_writer; /* the scheduler runs writes on one connection */
    /*
     * Optional (with single_writer): makes `c` a read connection beside
     * the one writer, which sees committed data only and refuses writes,
     * and returns 0; or returns 1 when this target admits none (SQLite
     * outside WAL mode), -1 with err on failure. NULL: no read connections.
     * The scheduler runs read-only nodes (data tests) on them.
     */
    int (*make_reader)(struct xf_conn *c, struct xf_buf *err);

    int (*connect)(struct xf_conn **out, const struct xf_target *t, const char *project_root,
                   struct xf_buf *err);
    void (*disconnect)(struct xf_conn *c);
    /*
     * Optional: `xform debug`'s connection test when connecting would
     * change something (SQLite would create the database file). 0 when the
     * target is usable (`note` may say more), or -1 with the reason in err.
     * NULL: the engine connects and runs `select 1`.
     */
    int (*check)(const struct xf_target *t, const char *project_root, struct xf_buf *note,
                 struct xf_buf *err);
    /* Runs one or more statements, no result. */
    int (*exec)(struct xf_conn *c, const char *sql, struct xf_buf *err);
    /* Runs a query; cells and names live in `a`. */
    int (*query)(struct xf_conn *c, const char *sql, struct xf_arena *a, struct xf_result *out,
                 struct xf_buf *err);
    int (*begin)(struct xf_conn *c, struct xf_buf *err);
    int (*commit)(struct xf_conn *c, struct xf_buf *err);
    int (*rollback)(struct xf_conn *c, struct xf_buf *err);
    /* Asks a running statement on c to stop (from another thread / signal). */
    void (*cancel)(struct xf_conn *c);

    /* Introspection. */
    int (*relation_kind)(struct xf_conn *c, const struct xf_relation *r, enum xf_relkind *out,
                         struct xf_buf *err);
    int (*columns)(struct xf_conn *c, const struct xf_relation *r, struct xf_arena *a,
                   struct xf_column_info **out, size_t *n, struct xf_buf *err);
    /* Creates the schema if missing (sqlite: attaches <schema>.db). */
    int (*ensure_schema)(struct xf_conn *c, const char *schema, struct xf_buf *err);
    /* Every relation of a schema, for catalog and cleanup of leftovers. */
    int (*list_relations)(struct xf_conn *c, const char *schema, struct xf_arena *a,
                          struct xf_relation **out, enum xf_relkind **kinds, size_t *n,
                          struct xf_buf *err);

    /* Dialect. */
    void (*quote)(struct xf_buf *out, const char *ident);
    /* "schema"."identifier" as it appears in SQL. */
    void (*render_relation)(struct xf_buf *out, const struct xf_relation *r);
    /* Column type name for an inferred seed column type. */
    const char *(*type_name)(enum xf_coltype t);

    /*
     * Replaces `r` with the result of `select_sql` as a table or view,
     * atomically: built under a temporary name and swapped in within one
     * transaction, so the old relation stays intact on any failure.
     * Returns 0, -1 with err, or 1 when a view was built as a table
     * because the adapter's views cannot read what it selects (SQLite: a
     * view cannot read another schema's database file). `create` renders
     * the statement that creates the new relation (NULL: the adapter's own
     * `create table|view ... as`).
     */
    int (*replace_relation)(struct xf_conn *c, const struct xf_relation *r, enum xf_relkind kind,
                            const char *select_sql, const struct xf_create_sql *create,
                            const struct xf_commit_hook *hook, struct xf_buf *executed,
                            struct xf_buf *err);
    /*
     * Loads a parsed CSV into `r` (replacing it atomically), with column
     * types given per column (NULL: inferred). One transaction.
     */
    int (*load_seed)(struct xf_conn *c, const struct xf_relation *r, const struct xf_csv *csv,
                     const char *const *column_types, const struct xf_commit_hook *hook,
                     struct xf_buf *executed, struct xf_buf *err);
    int (*drop_relation)(struct xf_conn *c, const struct xf_relation *r, struct xf_buf *err);

    /*
     * Model contracts. `describe`: the columns `select_sql` returns, from
     * the database's description of the query (not from its text): names
     * and the database's type names, in `a`; a type is "" when the
     * database cannot tell (SQLite: an expression over no rows).
     * `type_matches`: whether a column the database calls `actual`
     * satisfies a contract's `declared` data_type (the adapter's alias and
     * affinity rules). `replace_table_ddl`: like replace_relation for a
     * table, but the table is created from `columns_ddl` (the
     * parenthesised column definitions and constraints) and then filled
     * by `insert into <t> (<column_list>) select <column_list> from
     * (<select_sql>)`, atomically.
     */
    int (*describe)(struct xf_conn *c, const char *select_sql, struct xf_arena *a,
                    struct xf_column_info **out, size_t *n, struct xf_buf *err);
    bool (*type_matches)(const char *declared, const char *actual);
    int (*replace_table_ddl)(struct xf_conn *c, const struct xf_relation *r,
                             const char *columns_ddl, const char *column_list,
                             const char *select_sql, const struct xf_commit_hook *hook,
                             struct xf_buf *executed, struct xf_buf *err);
    /*
     * A foreign key names its table without database or schema (SQLite:
     * a key can only reference a table of its own schema file).
     */
    bool fk_bare_name;
    /* Constraint types CREATE TABLE declares but the database does not enforce, NULL-ended. */
    const char *const *unenforced_constraints;

    /*
     * The catalog query of one schema (docs generate), or NULL: every
     * column of every table and view, one row each, with the columns
     * table_name, table_type ("BASE TABLE", "VIEW"), column_name,
     * column_index (1-based), column_type and optionally table_owner,
     * table_comment, column_comment. Its one "%s" is replaced by the
     * schema as a quoted SQL string literal (no other % is special).
     */
    const char *catalog_sql;
    /*
     * Columns the catalog query leaves without a type (SQLite: a computed
     * column of CREATE TABLE AS, a view's column that is not a plain
     * column of a table): catalog_value_type is an aggregate SQL
     * expression over `xf_value`, a sample of the column's values (its
     * first 100 non-null ones), naming the type that holds them all, or
     * NULL when there are none.
     * catalog_any_type names a column with no non-null value. NULL when
     * the catalog query types every column (Postgres).
     */
    const char *catalog_value_type;
    const char *catalog_any_type;
    /* How the warehouse folds an unquoted identifier: 'l' lower case (Postgres), 0 not at all. */
    char unquoted_case;
    /*
     * Relations live in a named database (the target's by default) that
     * their names carry, as dbt-postgres renders "db"."schema"."name".
     * False on SQLite, whose schemas are files of their own.
     */
    bool database_names;
    /*
     * The node message when replace_relation built a view as a table
     * (it returned 1), saying why; NULL when the adapter never does.
     */
    const char *view_as_table_message;
    /*
     * Optional, for adapters whose schemas are files (SQLite): the absolute
     * path of the file holding `schema` for target t into out; 0, or -1.
     * The manifest records it as the node's database, so that --defer and
     * clone can read another target's relations.
     */
    int (*schema_file)(const struct xf_target *t, const char *schema, struct xf_buf *out);
    /*
     * A literal keeps its own type and a CAST to a declared type can
     * change it (SQLite: CAST('2024-01-01' AS DATE) is 2024), so unit
     * test rows are written as plain literals, not CAST to the input's
     * column types (engine/unit_test.c).
     */
    bool typeless_literals;

    /*
     * Relation extras (docs/materializations.md, "Postgres extras"). Each
     * is optional: NULL where the warehouse has no such thing, and the
     * loader warns where a project configures it.
     *
     * show_grants: the privileges on r the current role granted to other
     * roles, in a. grant: grants (revoke false) or revokes one privilege
     * on r to or from the grantees, one statement.
     */
    int (*show_grants)(struct xf_conn *c, const struct xf_relation *r, struct xf_arena *a,
                       struct xf_grant **out, size_t *n, struct xf_buf *err);
    int (*grant)(struct xf_conn *c, const struct xf_relation *r, bool revoke, const char *privilege,
                 const char *const *grantees, size_t n, struct xf_buf *executed,
                 struct xf_buf *err);
    /* Comments r (column NULL) or one of its columns (quoted when quote). */
    int (*comment)(struct xf_conn *c, const struct xf_relation *r, const char *column, bool quote,
                   const char *text, struct xf_buf *executed, struct xf_buf *err);
    /*
     * Creates an index on the table r (named by the adapter, from its
     * columns, uniqueness and type, so that building it again is a no-op).
     * Returns 0, -1 with err, or 1 when it was created without its type
     * (a warehouse with one kind of index).
     */
    int (*create_index)(struct xf_conn *c, const struct xf_relation *r, const struct xf_index *ix,
                        struct xf_buf *executed, struct xf_buf *err);
    /*
     * Builds the materialized view r from select_sql (created, replaced on
     * full_refresh or when r is not one, refreshed otherwise; its indexes
     * compared with `ix` and changed by on_change "apply", left with a
     * warning in *note by "continue", or refused by "fail"), with its
     * indexes. *message gets the node's status message (static).
     */
    int (*materialized_view)(struct xf_conn *c, const struct xf_relation *r, const char *select_sql,
                             bool full_refresh, const char *on_change, const struct xf_index *ix,
                             size_t nix, const char **message, struct xf_buf *note,
                             struct xf_buf *executed, struct xf_buf *err);
    /*
     * A microbatch's window (engine/microbatch.c): how an event_time column
     * is compared with a UTC time literal 'YYYY-MM-DD HH:MM:SS': a printf
     * format wrapping the column (%s; NULL: the column as is) and what the
     * literal ends with (NULL: nothing). SQLite compares datetime(col), so
     * dates, 'T' and offsets in text all compare as times.
     */
    const char *event_time_column;
    const char *event_time_literal_suffix;
};

/* The adapter for a profile type ("sqlite", "postgres"), or NULL. */
const struct xf_adapter_ops *xf_adapter_find(const char *type);
/* Names of every adapter, NULL-terminated (for "did you mean"). */
const char *const *xf_adapter_names(void);

#endif
