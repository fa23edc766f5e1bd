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
    /* the query comment of statements outside a node (extras.c), once rendered */
    const char *query_comment;
    bool query_comment_ready;
    /* microbatch (microbatch.c): --event-time-start/--event-time-end as UTC seconds */
    bool has_event_time;
    long long event_time_start, event_time_end;
    struct xf_map mb_retry;         /* unique id -> the batches retry runs again (in arena) */
    struct xf_value mb_parse_batch; /* model.batch in parse mode (any batch: 1970-01-01) */
    /* parse records (parse_records.c): open during the parse render, then what they did */
    struct xf_precs *precs;
    size_t precs_reused, precs_rendered;
    const char *precs_why; /* why the file's records could not be used, or NULL */
    const char *precs_off; /* why there were no records at all (volatile templates), or NULL */
};

/* Whether n is rebuilt from scratch: its own full_refresh config wins over
 * --full-refresh, as in dbt (incremental models, microbatch, materialized
 * views and is_incremental() all ask this one question). */
static inline bool xf_node_full_refresh(const struct xf_session *s, const struct xf_node *n)
{
    const struct xf_value *fr = xf_node_config(n, "full_refresh");
    return fr && fr->t == XF_V_BOOL ? fr->u.b : s->full_refresh;
}

/* A unit test's render of its model (engine/unit_test.c). */
struct xf_ut_ctx {
    struct xf_dict *inputs;                 /* ref name, or "source\x1ftable" -> CTE name */
    const char *this_cte;                   /* `this` as a given input, or NULL */
    const struct xf_value *vars, *env_vars; /* overrides (dicts) or NULL */
};

/*
 * A custom materialization's run (engine/custom_mat.c), as the natives of
 * context.c see it: the transaction dbt's statements open on first use
 * (auto_begin) and adapter.commit() ends, the SQL they ran, and what
 * statement('main') answered.
 */
struct xf_mat_run {
    bool in_txn;             /* a transaction is open on the render's connection */
    struct xf_buf *executed; /* every statement, for target/run and the log */
    const char *main_status; /* statement('main')'s response ("SELECT" ...), or NULL */
};

/* What natives see through xf_render_user(). */
struct xf_rctx {
    struct xf_session *s;
    struct xf_node *node;       /* NULL outside a node (hooks, yml values) */
    const char *package;        /* outside a node: whose macros and vars (NULL: the root's) */
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
    struct xf_mat_run *mat;     /* a custom materialization's render, or NULL */
    const struct xf_mb_batch *batch; /* a microbatch model's batch: refs filtered, model.batch */
    struct xf_precs_rec *rec;        /* parse mode: what the render did, for the parse records */
};

/* ---- parse_records.c: each node's parse-mode results, kept across loads ---- */

#define XF_PRECS_FILE "partial_parse_nodes.xfc"

/* What one parse-mode render did (its refs, sources and config calls), encoded. */
struct xf_precs_rec {
    struct xf_buf b;
    bool bad; /* it did something a record cannot hold (a config value that is not data) */
};

/* Before the parse render: reads the records when lo->partial_parse (s->precs). */
void xf_precs_open(struct xf_session *s, const struct xf_load_opts *lo);
/* Applies n's record in place of its parse render: true when there was a valid one. */
bool xf_precs_replay(struct xf_session *s, struct xf_node *n, struct xf_arena *keep);
/* Keeps what n's render did (a render that said nothing), taking rec's buffer. */
void xf_precs_keep(struct xf_session *s, struct xf_node *n, struct xf_precs_rec *rec);
/* Called by ref(), source() (op 'R' / 'S') and config() in parse mode. */
void xf_precs_dep(struct xf_rctx *rc, char op, const struct xf_dep *d);
void xf_precs_config(struct xf_rctx *rc, struct xf_str key, const struct xf_value *v);
/* After the load: writes the records when `loaded` and they changed; frees them. */
void xf_precs_close(struct xf_session *s, bool loaded);

/* One batch of a microbatch model, as its render sees it (engine/microbatch.c). */
struct xf_mb_batch {
    long long start, end;  /* UTC seconds: [start, end) */
    const char *id;        /* dbt's batch id: "2024-10-01" ("2024-10-01 05:00:00" hourly) */
    struct xf_value value; /* model.batch: {id, event_time_start, event_time_end} */
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

/* dbt's Column object (name, data_type, quoted, is_string() ...) in a. */
struct xf_value xf_context_column(struct xf_arena *a, const char *name, const char *type);
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
/*
 * A microbatch's filter: the relation renders as dbt's filtered subquery,
 * (select * from <name> where <column> >= start and <column> < end)
 * _dbt_et_filter_subq_<name>. The condition's text lives in a.
 */
void xf_relation_set_window(struct xf_value *v, struct xf_arena *a, const char *column,
                            long long start, long long end);
/* `column` within [start, end) (UTC seconds), compared the adapter's way (event_time_column). */
void xf_event_time_where(struct xf_buf *out, const struct xf_adapter_ops *ops, const char *column,
                         long long start, long long end);
/* Records what the warehouse said the relation is (enum xf_relkind). */
void xf_relation_set_kind(struct xf_value *v, int kind);
/* api.Relation.create(database, schema, identifier, type): any subset. */
int xf_relation_create_fn(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                          const struct xf_args *a);
/* Prepares a render env for rc. */
void xf_context_env(struct xf_render_env *env, struct xf_rctx *rc);

/* ---- custom_mat.c: {% materialization %} blocks ---- */

/*
 * The {% materialization name %} block that builds `name` on `adapter`,
 * as dbt picks it: the adapter's own before the default one, and at each,
 * the root project's before a package's; with only_root (xform's built-in
 * names: view, table ...), only the root project's, as dbt ignores a
 * package's override of a built-in. NULL when none. Projects without
 * blocks answer at once.
 */
const struct xf_macro_def *xf_custom_mat_find(const struct xf_project *p, const char *adapter,
                                              const char *name, bool only_root);
/* Every materialization name a block defines for `adapter` (or default), NULL-ended, in a. */
const char **xf_custom_mat_names(const struct xf_project *p, const char *adapter,
                                 struct xf_arena *a);
/*
 * Checks the project's {% materialization %} blocks at load: two packages
 * defining one block is an error (dbt's too: neither is preferred); a
 * block replacing a built-in that xform does not take from blocks (a
 * package's, as dbt ignores those; the project's seed, snapshot, test and
 * ephemeral) gets a located warning. 0, or -1 with errors in d.
 */
int xf_custom_mat_check(const struct xf_project *p, struct xf_diags *d);
/* The built-in macros custom materializations call (make_backup_relation ...), dbt namespace. */
extern const char xf_custom_mat_macros_sql[];
/*
 * Builds n with its materialization macro m: pre/post hooks are the
 * macro's (run_hooks), its statements run in a transaction opened on the
 * first and committed at the end (rolled back on failure). Sets r's status
 * and message; -1 with err on failure.
 */
int xf_custom_materialize(struct xf_session *s, struct xf_conn *c, struct xf_node *n,
                          const struct xf_macro_def *m, const char *sql, struct xf_buf *executed,
                          struct xf_node_result *r, struct xf_buf *err);

/* ---- materialize.c ---- */

/* Materializes one node on conn (execute-mode SQL already rendered). */
int xf_materialize(struct xf_session *s, struct xf_conn *conn, struct xf_node *n, const char *sql,
                   struct xf_buf *executed, struct xf_node_result *r, struct xf_buf *err);

/* ---- extras.c: query comments, grants, persist_docs, indexes, materialized views ---- */

/*
 * Gives a new connection the comment of statements outside a node; 0, or
 * -1 with err when the project's query-comment cannot be rendered. Called
 * by the thread that opens the run's connections, before workers start.
 */
int xf_extras_conn(struct xf_session *s, struct xf_conn *c, struct xf_buf *err);
/* What node n asks of every statement on c (comment, unlogged), until xf_extras_end. */
int xf_extras_begin(struct xf_session *s, struct xf_conn *c, struct xf_node *n, struct xf_arena *a,
                    struct xf_buf *err);
void xf_extras_end(struct xf_session *s, struct xf_conn *c);
/* The node's executed SQL as the log shows it: with the query comment c carries (in a). */
const char *xf_extras_logged(struct xf_arena *a, const struct xf_conn *c, const char *executed);
/* After a relation was built: its indexes, grants and persisted descriptions
 * (unless its replacement's transaction applied them: r->extras_applied). */
int xf_extras_after_build(struct xf_session *s, struct xf_conn *c, struct xf_node *n,
                          const struct xf_node_result *r, struct xf_buf *executed,
                          struct xf_buf *err);
/*
 * The same, as the commit hook of a table's replacement (a table model, a
 * seed, an incremental model's first or full-refresh build, a contracted
 * table): applied in the swap's transaction, then the post-hooks that
 * belong inside it, as dbt does before its commit, so that a failing
 * unique index or post-hook rolls the new table back and leaves the old
 * one. NULL when the node has none of its own (a {% materialization %}
 * block's).
 */
struct xf_extras_hook {
    struct xf_session *s;
    struct xf_node *n;
    struct xf_node_result *r;
    struct xf_commit_hook hook;
};
const struct xf_commit_hook *xf_extras_hook(struct xf_extras_hook *h, struct xf_session *s,
                                            struct xf_node *n, struct xf_node_result *r);

/* ---- hooks.c: pre/post hooks and on-run-start/end ---- */

/* A hook as a value: the JSON text of {"sql": ..., "transaction": ...}
 * (what dbt's after_commit() makes) read as that dict (in a); else the hook. */
struct xf_value xf_hook_value(struct xf_arena *a, const struct xf_value *hook);
/* A node's "pre-hook" or "post-hook" config (also spelled with '_'), or NULL. */
const struct xf_value *xf_node_hooks(const struct xf_node *n, const char *key);
/* Whether a hook (as xf_hook_value gives it) runs inside the model's
 * transaction: dbt's default; {sql, transaction: false} runs outside. */
bool xf_hook_inside(const struct xf_value *hv);
/* Which hooks of a list run: all, those inside the transaction (dbt's
 * default), or those outside it ({sql, transaction: false}). */
enum xf_hook_set { XF_HOOKS_ALL, XF_HOOKS_INSIDE, XF_HOOKS_OUTSIDE };
/* A hook or a list of them, in order, rendered and run on conn: a node's
 * (n), or on-run-start/end hooks of package pkg (n NULL; pkg NULL: the root
 * project's), `results` in their context when given. The first that fails
 * stops the rest: -1 with err. */
int xf_run_hooks(struct xf_session *s, struct xf_conn *conn, struct xf_node *n,
                 const struct xf_package *pkg, const struct xf_value *hooks, enum xf_hook_set set,
                 const struct xf_value *results, struct xf_buf *executed, struct xf_buf *err);
/* The node's post-hooks that belong inside its transaction, for the commit hook above. */
int xf_run_post_hooks_inside(struct xf_session *s, struct xf_conn *conn, struct xf_node *n,
                             struct xf_buf *executed, struct xf_buf *err);
/* The load error for materialized='materialized_view' on an adapter without them; -1. */
/* Load-time shape checks of grants and persist_docs (located errors); 0 or -1. */
int xf_extras_check(struct xf_diags *d, const struct xf_node *n,
                    struct xf_loc (*at)(void *user, const char *key), void *user);
int xf_matview_unsupported(struct xf_session *s, struct xf_diags *d, const struct xf_node *n,
                           struct xf_loc at);
/* materialized='materialized_view'. */
int xf_extras_matview(struct xf_session *s, struct xf_conn *c, struct xf_node *n, const char *sql,
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
                            const struct xf_commit_hook *hook, struct xf_buf *executed,
                            struct xf_buf *err);
/* Whether the node declares any constraint (column or model level). */
bool xf_contract_has_constraints(const struct xf_node *n);
/* dbt's warning: a view's constraints are not enforced (located at its YAML entry). */
void xf_contract_warn_view(struct xf_session *s, const struct xf_node *n);

/* Generic tests (tests.c): nodes from YAML declarations, their argument
 * dependencies (parse mode) and their SQL (execute mode). */
int xf_tests_generate(struct xf_session *s);
int xf_tests_parse_args(struct xf_session *s, struct xf_node *n, struct xf_arena *scratch,
                        struct xf_arena *keep, struct xf_diags *diags, struct xf_precs_rec *rec);
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

/* ---- strategy.c: the SQL of materializations, from overridable macros ---- */

/*
 * One build's access to the materialization macros (get_create_table_as_sql,
 * get_incremental_merge_sql ...): rendered in execute mode as node n sees
 * them, so a project or package macro of the same name, or an
 * <adapter>__X found through adapter.dispatch, replaces the built-in. The
 * macros were parsed once with the session; each call only renders.
 * Caller-owned; must not move after _init. Values live in `a`.
 */
struct xf_strategy {
    struct xf_session *s;
    struct xf_node *n;
    struct xf_arena *a;
    struct xf_rctx rc;
    struct xf_render_env env;
    struct xf_diags diags;
    /* for the adapter's replace_relation: get_create_table_as_sql / get_create_view_as_sql */
    struct xf_create_sql create;
};
void xf_strategy_init(struct xf_strategy *st, struct xf_session *s, struct xf_conn *c,
                      struct xf_node *n, struct xf_arena *a);
void xf_strategy_release(struct xf_strategy *st);
/* Whether node n sees a macro `name` (a custom incremental strategy's, say). */
bool xf_strategy_has(const struct xf_strategy *st, const char *name);
/*
 * Calls macro `name` with positional args and appends what it returns
 * (its return() value, else its text) to out. 0, or -1 with the located
 * template error in err.
 */
int xf_strategy_call(struct xf_strategy *st, const char *name, const struct xf_value *args,
                     size_t nargs, struct xf_buf *out, struct xf_buf *err);
/* A Relation value for r, in st's arena. */
struct xf_value xf_strategy_relation(struct xf_strategy *st, const struct xf_relation *r);

/* Snapshots (snapshot.c). */
int xf_snapshot(struct xf_session *s, struct xf_conn *c, struct xf_node *n, const char *sql,
                struct xf_buf *executed, struct xf_node_result *r, struct xf_buf *err);
/* ---- batches.c: the times of microbatch models ---- */

enum xf_grain { XF_GRAIN_HOUR, XF_GRAIN_DAY, XF_GRAIN_MONTH, XF_GRAIN_YEAR };
extern const char *const xf_grain_names[]; /* "hour", "day", "month", "year", NULL */
/* batch_size as a grain: 0, or -1 when it is not one (or NULL). */
int xf_grain_of(const char *name, enum xf_grain *out);
/* t (UTC seconds) down to the start of its hour, day, month or year. */
long long xf_grain_trunc(long long t, enum xf_grain g);
/* t (a batch start) moved by k batches (calendar months and years). */
long long xf_grain_add(long long t, enum xf_grain g, int k);
/* "YYYY-MM-DD<sep>HH:MM:SS" (UTC) into out[20]. */
void xf_utc_text(char *out, long long t, char sep);
/* The batch [start, end): its id and model.batch value (in a). */
void xf_mb_batch_init(struct xf_mb_batch *b, struct xf_arena *a, long long start, long long end,
                      enum xf_grain g);
/*
 * model.batch outside a batch's render (parse mode, compile): a microbatch
 * model's first batch from begin, so templates that read it render. false
 * when n is no microbatch model or its settings are wrong (reported at load).
 */
bool xf_mb_placeholder(const struct xf_node *n, struct xf_arena *a, struct xf_mb_batch *out);

/* ---- microbatch.c ---- */

/* Whether n is an incremental model with incremental_strategy 'microbatch'. */
bool xf_microbatch_is(const struct xf_node *n);
/*
 * Load time: every microbatch model has event_time, batch_size (hour,
 * day, month, year), begin (an ISO time) and a sane lookback; located
 * errors (with hints) in d and -1 otherwise. Warns where a setting is
 * read but not acted on (concurrent_batches: true, on_schema_change).
 */
int xf_microbatch_check(struct xf_session *s, struct xf_diags *d);
/*
 * Builds a microbatch model batch by batch on c (each batch rendered with
 * rc->batch, its own transaction). r gets the batches (session arena);
 * its status is SUCCESS, PARTIAL_SUCCESS (0 returned) or, when every
 * batch failed, -1 with the first error in err.
 */
int xf_microbatch(struct xf_session *s, struct xf_conn *c, struct xf_node *n,
                  struct xf_buf *executed, struct xf_node_result *r, struct xf_buf *err);

/* Incremental models (incremental.c). */
int xf_incremental(struct xf_session *s, struct xf_conn *c, struct xf_node *n, const char *sql,
                   struct xf_buf *executed, struct xf_node_result *r, struct xf_buf *err);

#endif
