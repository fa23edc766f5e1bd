// SPDX-License-Identifier: MIT
/*
 * The engine: turns a loaded project into built relations. A session
 * loads the project, renders every node once in parse mode (collecting
 * ref/source/config), names relations, builds the graph; then compiles
 * (execute-mode render) and runs selected nodes in DAG order on worker
 * threads, each with its own connection. Nothing here prints: progress is
 * reported through callbacks, problems through diagnostics.
 */
#ifndef XF_ENGINE_ENGINE_H
#define XF_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "adapters/adapter.h"
#include "artifacts/results.h"
#include "graph/graph.h"
#include "parser/project.h"
#include "util/diag.h"

struct xf_session;

/* What a command wants done with the selected nodes. */
enum xf_phase {
    XF_PHASE_COMPILE, /* render only */
    XF_PHASE_RUN,     /* models */
    XF_PHASE_SEED,    /* seeds */
    XF_PHASE_TEST,    /* tests */
    XF_PHASE_SNAPSHOT,
    XF_PHASE_BUILD, /* seeds, models, snapshots, tests in DAG order */
};

/* Progress events for the console. Called from worker threads, serialised. */
struct xf_events {
    void *user;
    /* Before the first node: how many will run. */
    void (*begin)(void *user, size_t total, int threads);
    void (*node_start)(void *user, size_t i, size_t total, const struct xf_node *n);
    void (*node_done)(void *user, size_t i, size_t total, const struct xf_node *n,
                      const struct xf_node_result *r);
    void (*freshness_done)(void *user, size_t i, size_t total, const struct xf_freshness *f);
    /* A microbatch model starts its batch i of total (id: dbt's batch id; may be NULL). */
    void (*batch_start)(void *user, const struct xf_node *n, size_t i, size_t total,
                        const char *id);
    /* A microbatch model finished its batch i of total (may be NULL). */
    void (*batch_done)(void *user, const struct xf_node *n, size_t i, size_t total,
                       const struct xf_batch_result *b);
    /* A log() call or warning from a template. */
    void (*log)(void *user, const char *msg, bool info);
};

struct xf_run_opts {
    enum xf_phase phase;
    const char *const *select;
    size_t nselect;
    const char *const *exclude;
    size_t nexclude;
    bool full_refresh;
    bool fail_fast;
    int threads; /* 0: the target's */
    const struct xf_events *events;
    enum xf_indirect indirect; /* tests that test and build pull in (0: eager, dbt's default) */
    /* build --resource-type / --exclude-resource-type: g->n... indexed by enum xf_resource */
    const bool *types; /* NULL: every type the phase runs */
    /* --warn-error (LogTestResult): a test of severity warn that finds rows fails */
    bool warn_error_tests;
    /*
     * --defer with --state: unselected nodes this target lacks (all of
     * them with favor_state) are read from the state run's relations.
     */
    const struct xf_state *defer_state;
    bool favor_state;
};

/*
 * Loads the project and prepares it (parse-mode render, relation names,
 * graph). Returns 0, or -1 with diagnostics (the project is wrong: exit 2).
 * Always free *out with xf_session_free, also on error.
 */
int xf_session_open(struct xf_session **out, const struct xf_load_opts *lo, struct xf_diags *d);
void xf_session_free(struct xf_session *s);

struct xf_project *xf_session_project(struct xf_session *s);
/* Whether an execute-mode render asked the database something (a compile's
 * output then depends on more than the files: not for the partial-parse cache). */
bool xf_session_asked_db(struct xf_session *s);
struct xf_graph *xf_session_graph(struct xf_session *s);
/*
 * The parse records of the load (engine/parse_records.c): how many nodes
 * replayed their record and how many rendered; *why: why the file's records
 * could not be used (none yet, another fingerprint ...) or NULL; *off: why
 * the load kept none at all, or NULL. False when the load did not use them.
 */
bool xf_session_precs(struct xf_session *s, size_t *reused, size_t *rendered, const char **why,
                      const char **off);
const struct xf_adapter_ops *xf_session_adapter(struct xf_session *s);
/*
 * Seconds spent loading, rendering in parse mode, building the graph,
 * rendering in execute mode (summed over the workers), and the number of
 * workers of the last run.
 */
void xf_session_timings(struct xf_session *s, double out[5]);
/* The invocation facts (id, start time) artifacts share. */
struct xf_invocation *xf_session_invocation(struct xf_session *s);

/*
 * Evaluates --select/--exclude for a phase (tests pulled in with their
 * models for test/build). `out` gets g->n bools. -1 on a bad selector.
 */
int xf_session_select(struct xf_session *s, const struct xf_run_opts *o, bool *out);

/*
 * Runs the phase over the selected nodes. Results are appended to
 * *results (heap array owned by the session, valid until free).
 * Returns 0 when every node succeeded, 1 when a node failed or a test
 * failed, -1 when nothing could run (connection failure: diagnostics).
 */
int xf_session_run(struct xf_session *s, const struct xf_run_opts *o, const bool *selected,
                   const struct xf_node_result **results, size_t *nresults);

/*
 * Checks the freshness of the selected sources that have a policy and a
 * loaded_at_field. *out is a heap array (free it). Returns 0 when all
 * pass or warn, 1 when one is stale past error_after or failed, -1 when
 * the warehouse could not be reached (diagnostics).
 */
int xf_session_freshness(struct xf_session *s, const bool *selected, const struct xf_events *ev,
                         struct xf_freshness **out, size_t *nout);

/*
 * Compiles a node by name (or inline SQL when name is NULL) and fetches at
 * most `limit` rows into *out (memory in a). `compiled` gets the SQL.
 */
int xf_session_show(struct xf_session *s, const char *name, const char *inline_sql, long limit,
                    struct xf_arena *a, struct xf_result *out, struct xf_buf *compiled);
/*
 * run-operation: checks that the macro `spec` (MACRO or PACKAGE.MACRO)
 * exists and parses `args` (YAML/JSON mapping text, or NULL) into kwargs
 * (in `a`). -1 with a located error (unknown macro with "did you mean",
 * args not a mapping).
 */
int xf_session_check_operation(struct xf_session *s, const char *spec, const char *args,
                               struct xf_arena *a, struct xf_value *kwargs);
/*
 * Calls the macro with kwargs in execute mode on a connection of its own;
 * log() and print() go to ev->log. *ret gets what the macro returned (its
 * text when it returned nothing). 0, or -1 with the error in diagnostics
 * (the macro raised, or no connection).
 */
int xf_session_run_operation(struct xf_session *s, const char *spec, const struct xf_value *kwargs,
                             const struct xf_events *ev, struct xf_arena *a, struct xf_value *ret);
/*
 * compile --inline: renders SQL in execute mode (ephemeral CTEs injected)
 * into `compiled`, connecting only if the template asks the database. -1
 * with diagnostics.
 */
int xf_session_compile_inline(struct xf_session *s, const char *inline_sql, struct xf_arena *a,
                               struct xf_buf *compiled);
/*
 * An ISO date or date and time ("2024-10-01", "2024-10-01 05:00[:00][Z|+02:00]",
 * with T or a space) as UTC seconds (no offset: UTC). 0, or -1 when it is not one.
 */
int xf_microbatch_parse_time(const char *text, long long *out);
/*
 * retry: the microbatch model `unique_id` runs only these batches, n pairs
 * of ISO times (start, end, start, end ...). -1 when one is not a time.
 */
int xf_session_retry_batches(struct xf_session *s, const char *unique_id,
                             const char *const *windows, size_t n);
/* Marks the nodes with these unique ids in `out` (g->n bools), for retry. */
int xf_session_select_ids(struct xf_session *s, const char *const *ids, size_t n, bool *out);

/*
 * xform clone: a view over the state run's relation for every selected
 * model, seed and snapshot the state built (on SQLite, whose views cannot
 * read another file, a table copy); an existing relation is kept unless
 * full_refresh. Results as xf_session_run. 0, 1 when one failed, -1 when
 * nothing could run (diagnostics).
 */
int xf_session_clone(struct xf_session *s, const struct xf_state *st, const bool *selected,
                     bool full_refresh, const struct xf_events *ev,
                     const struct xf_node_result **results, size_t *nresults);

/* Asks a running session to stop (SIGINT): cancels running queries. */
void xf_session_cancel(struct xf_session *s);

/* Tests the connection (xform debug). 0 ok; -1 with the message in err. */
int xf_session_check_connection(struct xf_session *s, struct xf_buf *note, struct xf_buf *err);

#endif
