// SPDX-License-Identifier: MIT
/*
 * Engine internals: the session struct, the per-render context that dbt's
 * native functions (ref, source, config, ...) see, and what each engine
 * file offers the others, in one section per file (named after it).
 */
#ifndef XF_ENGINE_INTERNAL_H
#define XF_ENGINE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>

#include "engine/engine.h"
#include "templating/jinja.h"
#include "util/map.h"
#include "util/vec.h"

struct xf_session {
    struct xf_project *p;
    struct xf_graph g;
    bool graph_ok;
    const struct xf_adapter_ops *ops;
    struct xf_arena arena;   /* session-lifetime values: globals, relations */
    struct xf_value globals; /* dict shared read-only by every render */
    struct xf_map refable;   /* name -> node (models, seeds, snapshots) */
    struct xf_map docs;      /* name -> struct xf_doc_def */
    struct xf_invocation inv;
    char invocation_id[40], generated_at[40];
    struct xf_diags *diags;
    double started; /* unix time of the invocation */

    /* Relations that exist in the warehouse, "schema\x1fidentifier" -> kind + 1. */
    struct xf_map existing;
    _Atomic bool existing_ready; /* listed (compile lists them on first need only) */
    pthread_mutex_t lock;        /* events, results, existing */
    pthread_mutex_t lazy_lock;   /* the first listing of existing relations */
    _Atomic bool lazy_failed;    /* compile: a connection on demand failed (reported once) */
    _Atomic bool asked_db;       /* an execute-mode render asked the database something */
    /* dbt's `graph` (nodes and sources by unique id), made on first use in execute mode */
    _Atomic bool graph_built;
    struct xf_arena graph_arena;
    struct xf_value graph_nodes, graph_sources, graph_others; /* others: "exposures" ... -> dict */
    XF_VEC(struct xf_node_result) results;
    XF_VEC(struct xf_conn *) conns; /* live connections, for cancel */
    XF_VEC(struct xf_arena) keeps;  /* worker arenas holding compiled SQL */
    volatile sig_atomic_t cancelled;
    bool full_refresh;
    bool warn_error;   /* --warn-error (flags.WARN_ERROR) */
    bool warn_error_tests; /* the run's: a warning test is a failure (LogTestResult) */
    bool warn_error_notes; /* exceptions.warn() in execute mode raises (Note) */
    bool empty;        /* --empty: ref() and source() render as zero-row subqueries */
    const char *which; /* the command (flags.WHICH) */
    const struct xf_events *events;
    struct xf_value macro_overrides; /* dict: project macros that replace builtins */
    /*
     * Installed packages: name -> dict of the package's own macros (what a
     * package's macros and nodes see before the globals), and name -> the
     * globals a node of that package renders with (its macros first, as
     * dbt's local namespace). Empty without packages.
     */
    struct xf_map pkg_macros, pkg_globals;
    double t_load, t_parse_render, t_graph; /* phase times (XF_TIMINGS=1) */
    _Atomic double t_exec_render;           /* execute-mode renders, summed over workers */
    int run_threads;                        /* workers of the last run */
};

/* A unit test's render of its model (engine/unit_test.c). */
struct xf_ut_ctx {
    struct xf_dict *inputs;                 /* ref name, or "source\x1ftable" -> CTE name */
    const char *this_cte;                   /* `this` as a given input, or NULL */
    const struct xf_value *vars, *env_vars; /* overrides (dicts) or NULL */
};

/* What natives see through xf_render_user(). */
struct xf_rctx {
    struct xf_session *s;
    struct xf_node *node;       /* NULL outside a node (hooks, yml values) */
    bool execute;               /* execute mode (else parse mode) */
    struct xf_conn *conn;       /* execute mode: this worker's connection */
    struct xf_conn **lazy;      /* compile: the worker's slot, connected on first need */
    bool quiet;                 /* its error repeats one already reported: drop it */
    struct xf_arena *keep;      /* parse mode: for refs and config (NULL: the project's) */
    struct xf_diags *diags;     /* where its diagnostics go (NULL: the session's) */
    struct xf_arena *arena;     /* the render's arena */
    struct xf_dict *statements; /* statement('name') results for load_result */
    struct xf_dict *ctes;       /* execute mode: ephemeral CTE name -> SQL, in order */
    const struct xf_ut_ctx *ut; /* a unit test's render: inputs are CTEs */
};

/* ---- relcache.c: existing relations and live connections ---- */

/* Kind of an existing relation from the cache (XF_REL_NONE when absent). */
enum xf_relkind xf_session_existing(struct xf_session *s, const char *schema,
                                    const char *identifier);
/* Records that a relation now exists (after a build). */
void xf_session_mark_existing(struct xf_session *s, const char *schema, const char *identifier,
                              enum xf_relkind kind);
/* Lists the relations of every schema the project uses (one query each) into the cache. */
int xf_relcache_load(struct xf_session *s, struct xf_conn *c, struct xf_buf *err);
/* Connects and registers the connection for cancel; -1 with the message in err. */
int xf_relcache_connect(struct xf_session *s, struct xf_conn **out, struct xf_buf *err);
/* xf_relcache_connect with the failure reported as a diagnostic of the session. */
int xf_relcache_connect_or_report(struct xf_session *s, struct xf_conn **out);
/* Unregisters and closes a connection (NULL: nothing). */
void xf_relcache_disconnect(struct xf_session *s, struct xf_conn *c);
/*
 * The render's connection: compiling connects only when a template asks
 * the database something (run_query, adapter.*, is_incremental(), a
 * relation's type), so a plain compile makes no round trip. NULL in parse
 * mode, or on a failed connection (the message in err).
 */
struct xf_conn *xf_rctx_conn(struct xf_rctx *rc, struct xf_buf *err);
/* xf_session_existing for a render; lists the relations first if not yet done. */
int xf_rctx_existing(struct xf_rctx *rc, const char *schema, const char *identifier,
                     enum xf_relkind *out, struct xf_buf *err);

/* ---- defer.c: another target's relations (--defer) ---- */

struct xf_state;
/*
 * --defer: every unselected model, seed or snapshot that the state run
 * built and this target lacks (every one, with favor_state) is renamed to
 * the state's relation, so ref() reads it there. Connects once to list the
 * relations. 0, or -1 with diagnostics.
 */
int xf_defer_apply(struct xf_session *s, const struct xf_state *st, bool favor_state,
                   const bool *selected);

/* ---- workers.c ---- */

/*
 * Runs worker(arg) on up to one thread per core (this one included), fewer
 * when there are fewer batches; the workers share the work through arg.
 */
void xf_on_every_core(size_t batches, void *(*worker)(void *), void *arg);
/* Seconds since the epoch, to the microsecond. */
double xf_now(void);

/* ---- context.c ---- */

/* Renders the CTE of an ephemeral model into rc->ctes (its own first). */
int xf_ephemeral_cte(struct xf_render *r, struct xf_rctx *rc, struct xf_node *eph,
                     struct xf_value *out);
/* Puts rc->ctes in front of sql (inside a leading WITH when there is one). */
void xf_inject_ctes(struct xf_buf *out, const char *sql, const struct xf_dict *ctes);

/* Globals: builtins + dbt natives + macros. Called once per session. */
int xf_context_init(struct xf_session *s);
/* The globals a node of `package` renders with (the session's for the root project). */
const struct xf_dict *xf_session_globals(const struct xf_session *s, const char *package);

/* Per-render names: this, execute, model, ... into a new dict in rc->arena. */
struct xf_dict *xf_context_locals(struct xf_rctx *rc);
/* engine/agate.c: a query result as agate's Table (rows, columns ...), in `a`. */
struct xf_value xf_agate_table(struct xf_arena *a, const struct xf_result *res);
/* The rows of such a table as a list of tuples (load_result(...)['data']). */
struct xf_value xf_agate_data(struct xf_arena *a, const struct xf_value *table);

/* engine/relation.c: a relation object for a node or an explicit name (value in arena). */
struct xf_value xf_relation_value(struct xf_session *s, struct xf_arena *a, const char *database,
                                  const char *schema, const char *identifier);
/* An ephemeral model's CTE as a relation (is_cte; renders as the bare name). */
struct xf_value xf_relation_cte(struct xf_session *s, struct xf_arena *a, const char *name);
/* The relation a template value is, or NULL when it is not a relation. */
const struct xf_relation *xf_relation_get(const struct xf_value *v);
/*
 * --empty: the relation renders as dbt's limited relation, a subquery of
 * zero rows: (select * from <name> where false limit 0) _dbt_limit_subq_<name>.
 */
void xf_relation_set_empty(struct xf_value *v);
/* Records what the warehouse said the relation is (enum xf_relkind). */
void xf_relation_set_kind(struct xf_value *v, int kind);
/* api.Relation.create(database, schema, identifier, type): any subset. */
int xf_relation_create_fn(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                          const struct xf_args *a);
/* Prepares a render env for rc. */
void xf_context_env(struct xf_render_env *env, struct xf_rctx *rc);

/* ---- materialize.c ---- */

/* Materializes one node on conn (execute-mode SQL already rendered). */
int xf_materialize(struct xf_session *s, struct xf_conn *conn, struct xf_node *n, const char *sql,
                   struct xf_buf *executed, struct xf_node_result *r, struct xf_buf *err);

/* ---- contract.c ---- */

/* Whether the model's config says contract: {enforced: true}. */
bool xf_contract_enforced(const struct xf_node *n);
/*
 * Compares the columns `sql` returns (the adapter's describe) with the
 * declared names and data types: 0; -2 when the contract fails (dbt's
 * table of mismatches, or a missing data_type, in err: a "Compilation
 * Error" as dbt calls it); -1 with the database's error. The described columns (in `a`) go to
 * *cols_out when it is not NULL.
 */
int xf_contract_check(struct xf_session *s, struct xf_conn *c, struct xf_node *n, const char *sql,
                      struct xf_arena *a, struct xf_column_info **cols_out, size_t *ncols_out,
                      struct xf_buf *err);
/* Replaces the model's table with one created from the declared types and constraints, filled by
 * sql. */
int xf_contract_build_table(struct xf_session *s, struct xf_conn *c, struct xf_node *n,
                            const char *sql, const struct xf_column_info *cols, size_t ncols,
                            struct xf_buf *executed, struct xf_buf *err);
/* Whether the node declares any constraint (column or model level). */
bool xf_contract_has_constraints(const struct xf_node *n);
/* dbt's warning: a view's constraints are not enforced (located at its YAML entry). */
void xf_contract_warn_view(struct xf_session *s, const struct xf_node *n);

/* Generic tests (tests.c): nodes from YAML declarations, their argument
 * dependencies (parse mode) and their SQL (execute mode). */
int xf_tests_generate(struct xf_session *s);
int xf_tests_parse_args(struct xf_session *s, struct xf_node *n, struct xf_arena *scratch,
                        struct xf_arena *keep, struct xf_diags *diags);
int xf_tests_render(struct xf_session *s, struct xf_rctx *rc, struct xf_buf *out);

/* ---- sqlloc.c ---- */

/*
 * `msg` (a node's database error ending in the failing SQL line with a
 * caret) with " at <file>:<line>[:<col>] in the model's source" added when
 * that line maps back to n's file; else `msg` itself. Memory in a.
 */
const char *xf_sqlloc_source(struct xf_arena *a, const struct xf_node *n, const char *compiled,
                             const char *msg);

/* ---- unit_test.c ---- */

/*
 * Runs a unit test on conn: renders its model with the given inputs as
 * CTEs and the overrides, compares the rows with the expected ones. Sets
 * r's status (PASS, FAIL with a diff in the message, ERROR), message and
 * compiled code (in keep).
 */
void xf_unit_test_run(struct xf_session *s, struct xf_conn *conn, struct xf_arena *keep,
                      struct xf_node *n, struct xf_node_result *r);

/* ---- staging.c ---- */

/*
 * The end of a build through a staging table inside a transaction: when
 * e is 0 drops `stage` (logged in executed) and commits; when e < 0 or
 * either fails, rolls back. Returns 0 or -1 (the message in err).
 */
int xf_staging_finish(struct xf_conn *c, const struct xf_relation *stage, int e,
                      struct xf_buf *executed, struct xf_buf *err);

/* Snapshots (snapshot.c). */
int xf_snapshot(struct xf_session *s, struct xf_conn *c, struct xf_node *n, const char *sql,
                struct xf_buf *executed, struct xf_node_result *r, struct xf_buf *err);
/* Incremental models (incremental.c). */
int xf_incremental(struct xf_session *s, struct xf_conn *c, struct xf_node *n, const char *sql,
                   struct xf_buf *executed, struct xf_node_result *r, struct xf_buf *err);

#endif
