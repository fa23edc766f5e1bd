// SPDX-License-Identifier: MIT
/*
 * The scheduler: runs every selected node as soon as its selected parents
 * have finished, on N worker threads with a connection each. When the
 * adapter allows a single writer (SQLite), one worker writes and the
 * others have read connections and take only read-only nodes (data
 * tests). A failure skips the node's descendants; --fail-fast and
 * cancellation stop scheduling. Per node: execute-mode render, write
 * target/compiled, materialize, write target/run. Results are recorded
 * in the order one thread would have run them, whatever the threads did.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/internal.h"
#include "util/path.h"

enum nstate { NS_WAIT, NS_READY, NS_RUNNING, NS_DONE };

/* Ready nodes, a min-heap by topological rank. */
struct heap {
    uint32_t *v;
    size_t n;
};

struct sched {
    struct xf_session *s;
    const struct xf_run_opts *o;
    const bool *sel;
    uint32_t *pending;  /* selected parents not finished yet */
    bool *upstream_bad; /* a selected ancestor failed or was skipped */
    uint32_t *rank;     /* position in topological order */
    enum nstate *state;
    /*
     * Ready nodes: `ready` for every worker, `ready_ro` for the read-only
     * nodes when readers run beside a single writer (`ro` marks them): a
     * reader takes only those, the writer takes its own first.
     */
    struct heap ready, ready_ro;
    bool *ro;
    size_t total, started, finished;
    size_t running; /* popped and not finished yet */
    /*
     * build: after[after_at[t] .. after_at[t + 1]) are the nodes that wait
     * for test t besides its parents' own children (dbt's test edges).
     */
    uint32_t *after_at, *after;
    bool stop;  /* fail-fast or cancel: start nothing new */
    bool stuck; /* nodes remain, none is ready and none runs: a bug */
    bool any_failed;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct xf_arena *keep; /* compiled SQL kept for the manifest, per worker */
};

static void hpush(struct heap *h, const uint32_t *rank, uint32_t i)
{
    size_t k = h->n++;
    h->v[k] = i;
    while (k) {
        size_t p = (k - 1) / 2;
        if (rank[h->v[p]] <= rank[h->v[k]])
            break;
        uint32_t t = h->v[p];
        h->v[p] = h->v[k];
        h->v[k] = t;
        k = p;
    }
}

static uint32_t hpop(struct heap *h, const uint32_t *rank)
{
    uint32_t top = h->v[0];
    h->v[0] = h->v[--h->n];
    size_t k = 0;
    for (;;) {
        size_t l = 2 * k + 1, r = l + 1, m = k;
        if (l < h->n && rank[h->v[l]] < rank[h->v[m]])
            m = l;
        if (r < h->n && rank[h->v[r]] < rank[h->v[m]])
            m = r;
        if (m == k)
            break;
        uint32_t t = h->v[m];
        h->v[m] = h->v[k];
        h->v[k] = t;
        k = m;
    }
    return top;
}

static void heap_push(struct sched *q, uint32_t i)
{
    hpush(q->ro && q->ro[i] ? &q->ready_ro : &q->ready, q->rank, i);
}

/*
 * The next node for a worker, or UINT32_MAX: the writer takes a writing
 * node first (tests wait for what it writes), then a read-only one; a
 * reader only read-only ones. With one heap the lowest rank goes first.
 */
static uint32_t take(struct sched *q, bool reader)
{
    if (!reader && q->ready.n)
        return hpop(&q->ready, q->rank);
    if (q->ready_ro.n)
        return hpop(&q->ready_ro, q->rank);
    return UINT32_MAX;
}

static bool can_take(const struct sched *q, bool reader)
{
    return q->ready_ro.n || (!reader && q->ready.n);
}

static bool renders_sql(const struct xf_node *n)
{
    return (n->tmpl || n->decl) && n->type != XF_RES_SEED;
}

/* target/<kind>/<project>/<path of the node's SQL>. */
static char *out_path(struct xf_session *s, struct xf_arena *a, const char *kind,
                      const struct xf_node *n)
{
    const char *rel = n->original_file_path ? n->original_file_path : n->name;
    const char *tp = s->p->target_path ? s->p->target_path : "target";
    char *base = xf_path_join(a, s->p->root, tp);
    const char *pkg = n->package ? n->package : s->p->name;
    if (n->type == XF_RES_TEST && n->decl)
        return xf_arena_printf(a, "%s/%s/%s/%s/%s", base, kind, pkg, rel, n->path);
    /* beside its YAML file, as a generic test */
    if (n->type == XF_RES_UNIT_TEST || n->relation_loc.src)
        return xf_arena_printf(a, "%s/%s/%s/%s/%s.sql", base, kind, pkg, rel, n->name);
    return xf_arena_printf(a, "%s/%s/%s/%s", base, kind, pkg, rel);
}

static void set_result_error(struct xf_node_result *r, struct xf_arena *a, const char *msg)
{
    r->status = r->node->type == XF_RES_TEST ? XF_ST_ERROR : XF_ST_ERROR;
    r->message = xf_arena_strdup(a, msg);
}

/*
 * Writes target/compiled or target/run SQL. A file that cannot be written
 * (disk full ...) is the node's error, so the command fails and names it;
 * an earlier error of the node is kept first. 0 or -errno.
 */
static int write_sql(struct xf_node_result *r, struct xf_arena *a, const char *path,
                     const struct xf_buf *sql)
{
    int e = xf_write_file_if_changed(path, sql->ptr, sql->len);
    if (e >= 0)
        return 0;
    const char *msg = xf_arena_printf(a, "could not write '%s': %s\n", path, strerror(-e));
    if (r->status == XF_ST_ERROR && r->message)
        msg = xf_arena_printf(a, "%s\n%s", r->message, msg);
    set_result_error(r, a, msg);
    return e;
}

static int by_package_name(const void *a, const void *b)
{
    return strcmp((*(const struct xf_package *const *)a)->name,
                  (*(const struct xf_package *const *)b)->name);
}

/* on-run-start (end false) or on-run-end hooks of every project, in dbt's
 * order: the packages' by package name, each in its own order, then the
 * root project's. The first that fails stops the rest. */
static int run_project_hooks(struct xf_session *s, struct xf_conn *conn, bool end,
                             const struct xf_value *results, struct xf_buf *executed,
                             struct xf_buf *err)
{
    size_t np = s->p->packages.n;
    const struct xf_package **pk = np ? xf_calloc(np, sizeof *pk) : NULL;
    for (size_t i = 0; i < np; i++)
        pk[i] = s->p->packages.v[i];
    if (np)
        qsort(pk, np, sizeof *pk, by_package_name);
    int e = 0;
    for (size_t i = 0; i < np && !e; i++) {
        e = xf_run_hooks(s, conn, NULL, pk[i], end ? &pk[i]->on_run_end : &pk[i]->on_run_start,
                         XF_HOOKS_ALL, results, executed, err);
        if (e < 0) { /* say whose hook it was */
            struct xf_buf why = XF_BUF_INIT;
            xf_buf_addf(&why, "(a hook of package '%s') %s", pk[i]->name, err->ptr ? err->ptr : "");
            xf_buf_reset(err);
            xf_buf_adds(err, why.ptr);
            xf_buf_release(&why);
        }
    }
    free(pk);
    if (!e)
        e = xf_run_hooks(s, conn, NULL, NULL, end ? &s->p->on_run_end : &s->p->on_run_start,
                         XF_HOOKS_ALL, results, executed, err);
    return e;
}

/* Whether any project has an on-run-end hook. */
static bool any_run_end_hook(const struct xf_session *s)
{
    if (s->p->on_run_end.t == XF_V_LIST && s->p->on_run_end.u.l->n)
        return true;
    for (size_t i = 0; i < s->p->packages.n; i++) {
        const struct xf_value *h = &s->p->packages.v[i]->on_run_end;
        if (h->t == XF_V_LIST && h->u.l->n)
            return true;
    }
    return false;
}

/* A node's post-hooks: those inside the transaction ran before a replaced table's commit. */
static int post_hooks(struct xf_session *s, struct xf_conn *conn, struct xf_node *n,
                      const struct xf_node_result *r, struct xf_buf *executed, struct xf_buf *err)
{
    return xf_run_hooks(s, conn, n, NULL, xf_node_hooks(n, "post-hook"),
                        r->extras_applied ? XF_HOOKS_OUTSIDE : XF_HOOKS_ALL, NULL, executed, err);
}

/* Renders, materializes and records one node. */
static void run_node(struct sched *q, struct xf_conn **connp, struct xf_arena *keep,
                     struct xf_node *n, struct xf_node_result *r)
{
    struct xf_session *s = q->s;
    struct xf_conn *conn = *connp;
    bool lazy = q->o->phase == XF_PHASE_COMPILE;
    struct xf_arena scratch;
    xf_arena_init(&scratch);
    struct xf_buf sql = XF_BUF_INIT, executed = XF_BUF_INIT, err = XF_BUF_INIT;
    r->compile_started = xf_now();
    if (n->type == XF_RES_UNIT_TEST) {
        xf_unit_test_run(s, conn, keep, n, r);
        if (r->compiled_code) {
            xf_buf_adds(&sql, r->compiled_code);
            enum xf_status st = r->status;
            const char *m = r->message;
            if (write_sql(r, keep, out_path(s, &scratch, "compiled", n), &sql) == 0) {
                r->status = st;
                r->message = m;
            }
        }
        goto done;
    }
    if (renders_sql(n)) {
        struct xf_rctx rc = {.s = s,
                             .node = n,
                             .execute = true,
                             .conn = conn,
                             .lazy = lazy ? connp : NULL,
                             .arena = &scratch};
        /* Every diagnostic of this render (a generic test's macro too) lands here first. */
        struct xf_diags local;
        xf_diags_init(&local);
        rc.diags = &local;
        struct xf_render_env env;
        xf_context_env(&env, &rc);
        double t0 = xf_now();
        int e = n->decl ? xf_tests_render(s, &rc, &sql) : xf_render_template(&sql, n->tmpl, &env);
        double took = xf_now() - t0, had = atomic_load(&s->t_exec_render);
        while (!atomic_compare_exchange_weak(&s->t_exec_render, &had, had + took))
            ;
        if (e < 0) {
            struct xf_buf msg = XF_BUF_INIT;
            for (struct xf_diag *g = local.head; g; g = g->next)
                xf_diag_format(&msg, g, false);
            set_result_error(r, keep, msg.len ? msg.ptr : "the render failed");
            r->compile_error = true;
            xf_buf_release(&msg);
        }
        /*
         * compile prints the render's diagnostics (it has no summary); the
         * other commands show a failed render once, in the result's
         * message at the end, as dbt's "Compilation Error in ...".
         */
        if (!rc.quiet && (e == 0 || q->o->phase == XF_PHASE_COMPILE))
            xf_diags_move(s->diags, &local);
        xf_diags_release(&local);
        if (e < 0)
            goto done;
        if (rc.ctes && rc.ctes->n) {
            struct xf_buf with = XF_BUF_INIT;
            xf_inject_ctes(&with, sql.ptr, rc.ctes);
            xf_buf_release(&sql);
            sql = with;
        }
        r->compiled_code = n->compiled_code = xf_arena_strndup(keep, sql.ptr, sql.len);
        char *path = out_path(s, &scratch, "compiled", n);
        if (write_sql(r, keep, path, &sql) < 0)
            goto done; /* not run: what ran would not match target/compiled */
    }
    r->compile_completed = r->execute_started = xf_now();
    if (q->o->phase == XF_PHASE_COMPILE) {
        r->status = XF_ST_SUCCESS;
        r->message = "compiled";
        goto done;
    }
    /* a {% materialization %} block runs the hooks itself (run_hooks), as in dbt */
    bool own_hooks = !n->mat_macro;
    if (xf_extras_begin(s, conn, n, &scratch, &err) < 0 ||
        (own_hooks &&
         xf_run_hooks(s, conn, n, NULL, xf_node_hooks(n, "pre-hook"), XF_HOOKS_ALL, NULL,
                      &executed, &err) < 0) ||
        xf_materialize(s, conn, n, sql.ptr, &executed, r, &err) < 0 ||
        xf_extras_after_build(s, conn, n, r, &executed, &err) < 0 ||
        (own_hooks && post_hooks(s, conn, n, r, &executed, &err) < 0)) {
        set_result_error(r, keep, err.len ? err.ptr : "failed");
        r->message = xf_sqlloc_source(keep, n, sql.ptr, r->message);
        if (executed.len)
            write_sql(r, keep, out_path(s, &scratch, "run", n), &executed);
    } else {
        /* A failing or warning test's message ("Got 3 results, ...") comes back in err. */
        if (err.len && (r->status == XF_ST_FAIL || r->status == XF_ST_WARN))
            r->message = xf_arena_strndup(keep, err.ptr, err.len);
        if (executed.len)
            write_sql(r, keep, out_path(s, &scratch, "run", n), &executed);
    }
    if (executed.len) /* the log file's debug lines show it, with the query comment */
        r->executed_code = xf_extras_logged(keep, conn, executed.ptr);
    xf_extras_end(s, conn);
done:
    r->execute_completed = xf_now();
    r->execution_time = r->execute_completed - r->compile_started;
    xf_buf_release(&sql);
    xf_buf_release(&executed);
    xf_buf_release(&err);
    xf_arena_release(&scratch);
}

static bool is_failure(const struct xf_node_result *r)
{
    return r->status == XF_ST_ERROR || r->status == XF_ST_FAIL ||
           r->status == XF_ST_RUNTIME_ERROR || r->status == XF_ST_SKIPPED;
}

static bool is_ephemeral(const struct xf_node *n)
{
    return n->type == XF_RES_MODEL && n->mat == XF_MAT_EPHEMERAL;
}

/*
 * Ephemeral models are never run, but they are still dependencies: a node
 * waits for what its ephemeral parents select from. These walks treat an
 * ephemeral node as transparent, counting (and later releasing) one wait
 * per path through ephemeral nodes to each selected ancestor.
 */
static uint32_t count_waits(const struct xf_graph *g, const bool *sel, uint32_t i, int depth)
{
    uint32_t n = 0;
    for (uint32_t k = 0; k < g->nparents[i]; k++) {
        uint32_t p = g->parents[i][k];
        if (sel[p])
            n++;
        else if (is_ephemeral(g->all[p]) && depth < 64)
            n += count_waits(g, sel, p, depth + 1);
    }
    return n;
}

/*
 * build: which nodes wait for which tests. dbt's rule: a node X waits for
 * a test T when every node T depends on is a strict ancestor of X, so a
 * failing test skips what is built from everything it judged, and a test
 * of several nodes (relationships) never holds back one of its own parents.
 * These edges cannot make a cycle: T comes after its parents and X after
 * all of them. Only the first nodes of that descendant set get an edge (X
 * none of whose own waits is in it); the rest wait through them.
 */
struct test_edges {
    const struct xf_graph *g;
    const bool *sel;
    uint32_t *seen;     /* walk stamp per node */
    uint32_t *count;    /* how many of the test's parents reach the node */
    uint32_t *count_of; /* which test `count` belongs to (stamp) */
    uint32_t *queue;
    uint32_t stamp;
};

/* Walks the strict descendants of d once; returns how many it queued. */
static size_t walk_down(struct test_edges *te, uint32_t d, uint32_t test_stamp)
{
    const struct xf_graph *g = te->g;
    size_t head = 0, tail = 0;
    uint32_t st = ++te->stamp;
    te->seen[d] = st;
    te->queue[tail++] = d;
    while (head < tail) {
        uint32_t x = te->queue[head++];
        for (uint32_t k = 0; k < g->nchildren[x]; k++) {
            uint32_t c = g->children[x][k];
            if (te->seen[c] == st || g->all[c]->type == XF_RES_TEST ||
                g->all[c]->type == XF_RES_UNIT_TEST)
                continue;
            te->seen[c] = st;
            te->queue[tail++] = c;
            if (te->count_of[c] != test_stamp) {
                te->count_of[c] = test_stamp;
                te->count[c] = 0;
            }
            te->count[c]++;
        }
    }
    return tail;
}

/* True when one of the nodes x waits for (through ephemeral ones) has count == want. */
static bool waits_inside(const struct test_edges *te, uint32_t x, uint32_t test_stamp,
                         uint32_t want, int depth)
{
    const struct xf_graph *g = te->g;
    for (uint32_t k = 0; k < g->nparents[x]; k++) {
        uint32_t p = g->parents[x][k];
        if (te->sel[p]) {
            if (te->count_of[p] == test_stamp && te->count[p] == want)
                return true;
        } else if (is_ephemeral(g->all[p]) && depth < 64 &&
                   waits_inside(te, p, test_stamp, want, depth + 1)) {
            return true;
        }
    }
    return false;
}

/* Fills q->after_at/q->after and adds each edge's wait to q->pending. */
static void add_test_edges(struct sched *q)
{
    const struct xf_graph *g = &q->s->g;
    struct test_edges te = {.g = g, .sel = q->sel};
    te.seen = xf_calloc(g->n + 1, sizeof *te.seen);
    te.count = xf_calloc(g->n + 1, sizeof *te.count);
    te.count_of = xf_calloc(g->n + 1, sizeof *te.count_of);
    te.queue = xf_calloc(g->n + 1, sizeof *te.queue);
    uint32_t *dedup = xf_calloc(g->n + 1, sizeof *dedup);
    XF_VEC(uint32_t) edges = {0};
    q->after_at = xf_calloc(g->n + 1, sizeof *q->after_at);
    for (uint32_t t = 0; t < g->n; t++) {
        q->after_at[t] = (uint32_t)edges.n;
        if (!q->sel[t] || g->all[t]->type != XF_RES_TEST || !g->nparents[t])
            continue;
        uint32_t test_stamp = t + 1, nparents = 0;
        size_t last = 0;
        for (uint32_t k = 0; k < g->nparents[t]; k++) {
            uint32_t d = g->parents[t][k];
            if (dedup[d] == test_stamp)
                continue;
            dedup[d] = test_stamp;
            nparents++;
            last = walk_down(&te, d, test_stamp);
        }
        /* The last walk's queue holds every candidate (a node all parents reach). */
        for (size_t k = 1; k < last; k++) {
            uint32_t x = te.queue[k];
            if (!q->sel[x] || te.count[x] != nparents ||
                waits_inside(&te, x, test_stamp, nparents, 0))
                continue;
            xf_vec_push(&edges, x);
            q->pending[x]++;
        }
    }
    q->after_at[g->n] = (uint32_t)edges.n;
    q->after = edges.v;
    free(te.seen);
    free(te.count);
    free(te.count_of);
    free(te.queue);
    free(dedup);
}

static void heap_push(struct sched *q, uint32_t i);

/* Releases one wait of node c; `bad` marks it to be skipped. */
static void release(struct sched *q, uint32_t c, bool bad)
{
    if (bad)
        q->upstream_bad[c] = true;
    if (--q->pending[c] == 0) {
        q->state[c] = NS_READY;
        heap_push(q, c);
    }
}

/* build: a finished test releases the nodes that wait for it. */
static void release_after_test(struct sched *q, uint32_t t, bool failed)
{
    for (uint32_t k = q->after_at[t]; k < q->after_at[t + 1]; k++) {
        uint32_t c = q->after[k];
        if (q->state[c] == NS_WAIT)
            release(q, c, failed);
    }
}

/* One wait released per path, through ephemeral children as count_waits counted. */
static void release_children(struct sched *q, uint32_t i, bool bad, int depth)
{
    const struct xf_graph *g = &q->s->g;
    for (uint32_t k = 0; k < g->nchildren[i]; k++) {
        uint32_t c = g->children[i][k];
        /* a unit test waits for its model's parents, not for the model */
        if (depth == 0 && g->all[c]->type == XF_RES_UNIT_TEST)
            continue;
        if (!q->sel[c] && is_ephemeral(g->all[c])) {
            if (depth < 64)
                release_children(q, c, bad, depth + 1);
            continue;
        }
        if (q->sel[c] && q->state[c] == NS_WAIT)
            release(q, c, bad);
        /* ... and is released with the model (see unit_test_waits) */
        for (uint32_t j = 0; g->all[c]->type != XF_RES_UNIT_TEST && j < g->nchildren[c]; j++) {
            uint32_t u = g->children[c][j];
            if (q->sel[u] && g->all[u]->type == XF_RES_UNIT_TEST && q->state[u] == NS_WAIT)
                release(q, u, bad);
        }
    }
}

/*
 * Unit tests run before their model, as in dbt: a unit test (whose one
 * parent in the graph is its model) waits for what its model waits for,
 * and a selected model waits for its selected unit tests, so a failing
 * one skips the model and what is built from it.
 */
static void unit_test_waits(struct sched *q)
{
    const struct xf_graph *g = &q->s->g;
    for (uint32_t i = 0; i < g->n; i++) {
        if (!q->sel[i] || g->all[i]->type != XF_RES_UNIT_TEST || g->nparents[i] != 1)
            continue;
        uint32_t m = g->parents[i][0];
        q->pending[i] = count_waits(g, q->sel, m, 0);
        if (q->sel[m])
            q->pending[m]++;
    }
}

/* Called with q->mu held: records a result and releases the children. */
static void finish(struct sched *q, uint32_t i, const struct xf_node_result *r)
{
    struct xf_session *s = q->s;
    struct xf_graph *g = &s->g;
    q->state[i] = NS_DONE;
    q->finished++;
    q->running--;
    bool bad = is_failure(r);
    if ((bad && r->status != XF_ST_SKIPPED) || r->status == XF_ST_PARTIAL_SUCCESS)
        q->any_failed = true; /* a partial success fails the run; its children still run */
    if (bad && r->status != XF_ST_SKIPPED && q->o->fail_fast)
        q->stop = true;
    pthread_mutex_lock(&s->lock);
    xf_vec_push(&s->results, *r);
    pthread_mutex_unlock(&s->lock);
    if (q->after && g->all[i]->type == XF_RES_TEST)
        release_after_test(q, i, bad);
    if (g->all[i]->type == XF_RES_UNIT_TEST && g->nparents[i] == 1) {
        uint32_t m = g->parents[i][0];
        if (q->sel[m] && q->state[m] == NS_WAIT)
            release(q, m, bad);
    }
    release_children(q, i, bad, 0);
    pthread_cond_broadcast(&q->cv);
}

/*
 * The watchdog found nodes that wait for something that never finishes:
 * a broken invariant of the wait counts, reported as one error naming them
 * (the run ends with exit 1) instead of a process that waits forever.
 */
static void report_stuck(struct sched *q)
{
    const struct xf_graph *g = &q->s->g;
    struct xf_buf names = XF_BUF_INIT;
    size_t n = 0;
    for (size_t i = 0; i < g->n; i++) {
        if (!q->sel[i] || q->state[i] == NS_DONE)
            continue;
        if (n++ < 10)
            xf_buf_addf(&names, "%s%s (waits for %u)", n > 1 ? ", " : "", g->all[i]->unique_id,
                        (unsigned)q->pending[i]);
    }
    if (n > 10)
        xf_buf_addf(&names, " and %zu more", n - 10);
    struct xf_diag *d =
        xf_diag_add(q->s->diags, XF_SEV_ERROR, XF_NOLOC,
                    "internal error: %zu node%s can never start, none is running: %s", n,
                    n == 1 ? "" : "s", names.ptr);
    xf_diag_hint(d, "this is a bug in xform's scheduler: please report it with the project's "
                    "models and tests");
    q->any_failed = true;
    xf_buf_release(&names);
}

/*
 * Test hook for the watchdog: XF_FAULT_SCHED_WAIT=<node name> gives that
 * selected node one wait nothing releases (no dependency can be made to
 * do that, which is the point of the watchdog).
 */
static void fault_extra_wait(struct sched *q)
{
    const char *name = getenv("XF_FAULT_SCHED_WAIT");
    const struct xf_graph *g = &q->s->g;
    for (size_t i = 0; name && *name && i < g->n; i++) {
        if (q->sel[i] && !strcmp(g->all[i]->name, name))
            q->pending[i]++;
    }
}

struct worker {
    struct sched *q;
    struct xf_conn *conn;
    struct xf_arena keep;
    int id;
    bool reader; /* a read connection: read-only nodes only */
    pthread_t th;
};

static void emit_done(struct sched *q, size_t idx, const struct xf_node *n,
                      const struct xf_node_result *r)
{
    const struct xf_events *ev = q->o->events;
    if (!ev || !ev->node_done)
        return;
    pthread_mutex_lock(&q->s->lock);
    ev->node_done(ev->user, idx, q->total, n, r);
    pthread_mutex_unlock(&q->s->lock);
}

/*
 * The position each selected node has in the order one thread runs them
 * (the scheduler's own rule, simulated: the lowest ready rank first, each
 * finished node releasing its waiters). Failures do not change it: a
 * skipped node is taken and finished like any other. Results are sorted
 * by it, so run_results.json and on-run-end's `results` read the same
 * with any number of threads.
 */
static uint32_t *serial_positions(const struct sched *q)
{
    const struct xf_graph *g = &q->s->g;
    struct sched sim = *q;
    sim.ro = NULL;
    sim.pending = xf_calloc(g->n + 1, sizeof *sim.pending);
    memcpy(sim.pending, q->pending, g->n * sizeof *sim.pending);
    sim.state = xf_calloc(g->n + 1, sizeof *sim.state);
    sim.upstream_bad = xf_calloc(g->n + 1, sizeof *sim.upstream_bad);
    sim.ready.v = xf_calloc(g->n + 1, sizeof *sim.ready.v);
    sim.ready.n = 0;
    uint32_t *pos = xf_calloc(g->n + 1, sizeof *pos);
    for (size_t i = 0; i < g->n; i++)
        pos[i] = UINT32_MAX; /* never started (a stuck run): after the others */
    for (size_t k = 0; k < g->n; k++) {
        uint32_t i = g->order[k];
        if (q->sel[i] && sim.pending[i] == 0) {
            sim.state[i] = NS_READY;
            heap_push(&sim, i);
        }
    }
    for (uint32_t k = 0; sim.ready.n; k++) {
        uint32_t i = hpop(&sim.ready, sim.rank);
        pos[i] = k;
        sim.state[i] = NS_DONE;
        if (sim.after && g->all[i]->type == XF_RES_TEST)
            release_after_test(&sim, i, false);
        release_children(&sim, i, false, 0);
    }
    free(sim.pending);
    free(sim.state);
    free(sim.upstream_bad);
    free(sim.ready.v);
    return pos;
}

struct ordered {
    uint32_t pos;
    struct xf_node_result r;
};

static int by_pos(const void *a, const void *b)
{
    uint32_t x = ((const struct ordered *)a)->pos, y = ((const struct ordered *)b)->pos;
    return x < y ? -1 : x > y;
}

/* Sorts results [from, n) of this run into the one-thread order. */
static void sort_results(struct xf_session *s, size_t from, const uint32_t *pos)
{
    size_t n = s->results.n - from;
    struct ordered *o = xf_calloc(n + 1, sizeof *o);
    for (size_t k = 0; k < n; k++) {
        o[k].r = s->results.v[from + k];
        o[k].pos = pos[xf_graph_index(&s->g, o[k].r.node)];
    }
    qsort(o, n, sizeof *o, by_pos); /* positions are distinct: a stable order */
    for (size_t k = 0; k < n; k++)
        s->results.v[from + k] = o[k].r;
    free(o);
}

/*
 * Read-only nodes, which a read connection may run: data tests that store
 * no failures and have no hooks, and analyses (only compiled).
 */
static bool read_only_node(const struct xf_node *n)
{
    if (n->type == XF_RES_ANALYSIS)
        return true;
    return n->type == XF_RES_TEST && !xf_node_config_bool(n, "store_failures", false) &&
           !xf_node_hooks(n, "pre-hook") && !xf_node_hooks(n, "post-hook");
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct sched *q = w->q;
    struct xf_session *s = q->s;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (!can_take(q, w->reader) && q->finished < q->total && !q->stuck) {
            if (!q->running && !q->ready.n && !q->ready_ro.n) {
                /* Nothing can ever wake us: say which nodes are stuck rather than wait. */
                q->stuck = true;
                break;
            }
            pthread_cond_wait(&q->cv, &q->mu);
        }
        if (!can_take(q, w->reader))
            break;
        uint32_t i = take(q, w->reader);
        q->running++;
        struct xf_node *n = s->g.all[i];
        struct xf_node_result r;
        memset(&r, 0, sizeof r);
        r.node = n;
        r.failures = -1;
        r.rows_affected = -1;
        r.thread_id = w->id;
        size_t idx = ++q->started;
        if (q->upstream_bad[i] || q->stop || s->cancelled) {
            r.status = XF_ST_SKIPPED;
            r.message = q->upstream_bad[i] ? "skipped: an upstream node failed"
                                           : "skipped: the run was stopped";
            r.compile_started = r.execute_completed = xf_now();
            pthread_mutex_unlock(&q->mu);
            emit_done(q, idx, n, &r);
            pthread_mutex_lock(&q->mu);
            finish(q, i, &r);
            continue;
        }
        q->state[i] = NS_RUNNING;
        pthread_mutex_unlock(&q->mu);
        const struct xf_events *ev = q->o->events;
        if (ev && ev->node_start) {
            pthread_mutex_lock(&s->lock);
            ev->node_start(ev->user, idx, q->total, n);
            pthread_mutex_unlock(&s->lock);
        }
        run_node(q, &w->conn, &w->keep, n, &r);
        if (s->cancelled && r.status == XF_ST_ERROR) {
            r.message = "cancelled";
            r.cancelled = true;
        }
        emit_done(q, idx, n, &r);
        pthread_mutex_lock(&q->mu);
        finish(q, i, &r);
    }
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

int xf_session_run(struct xf_session *s, const struct xf_run_opts *o, const bool *selected,
                   const struct xf_node_result **results, size_t *nresults)
{
    struct xf_graph *g = &s->g;
    s->full_refresh = o->full_refresh;
    s->events = o->events;
    s->warn_error_tests = o->warn_error_tests;
    struct sched q;
    memset(&q, 0, sizeof q);
    q.s = s;
    q.o = o;
    q.sel = selected;
    q.pending = xf_calloc(g->n + 1, sizeof *q.pending);
    q.upstream_bad = xf_calloc(g->n + 1, sizeof *q.upstream_bad);
    q.rank = xf_calloc(g->n + 1, sizeof *q.rank);
    q.state = xf_calloc(g->n + 1, sizeof *q.state);
    q.ready.v = xf_calloc(g->n + 1, sizeof *q.ready.v);
    q.ready_ro.v = xf_calloc(g->n + 1, sizeof *q.ready_ro.v);
    size_t first_result = s->results.n;
    pthread_mutex_init(&q.mu, NULL);
    pthread_cond_init(&q.cv, NULL);
    for (size_t k = 0; k < g->n; k++)
        q.rank[g->order[k]] = (uint32_t)k;
    for (size_t i = 0; i < g->n; i++) {
        if (!selected[i])
            continue;
        q.total++;
        q.pending[i] = count_waits(g, selected, (uint32_t)i, 0);
    }
    /* build: a node also waits for the tests upstream of it (their failure skips it). */
    if (o->phase == XF_PHASE_BUILD)
        add_test_edges(&q);
    unit_test_waits(&q);
    fault_extra_wait(&q);
    uint32_t *serial = serial_positions(&q);

    int threads = o->threads > 0 ? o->threads : s->p->target.threads;
    if (threads < 1)
        threads = 1;
    /*
     * One writer: the other threads get read connections (when the adapter
     * makes them) and run the read-only nodes beside it; none is needed
     * when nothing selected is read-only.
     */
    bool readers = false;
    if (s->ops->single_writer && o->phase != XF_PHASE_COMPILE && threads > 1) {
        size_t nro = 0;
        for (size_t i = 0; s->ops->make_reader && i < g->n; i++)
            nro += selected[i] && read_only_node(g->all[i]);
        if (nro) {
            readers = true;
            q.ro = xf_calloc(g->n + 1, sizeof *q.ro);
            for (size_t i = 0; i < g->n; i++)
                q.ro[i] = selected[i] && read_only_node(g->all[i]);
            if ((size_t)threads > nro + 1)
                threads = (int)nro + 1;
        } else {
            threads = 1;
        }
    }
    for (size_t k = 0; k < g->n; k++) {
        uint32_t i = g->order[k];
        if (selected[i] && q.pending[i] == 0) {
            q.state[i] = NS_READY;
            heap_push(&q, i);
        }
    }

    /* Compiling only renders and reads: use every core whatever the profile says. */
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (o->phase == XF_PHASE_COMPILE && o->threads <= 0 && ncpu > threads)
        threads = (int)(ncpu > 16 ? 16 : ncpu);
    if ((size_t)threads > q.total && q.total > 0)
        threads = (int)q.total;
    int rc = 0;
    s->run_threads = threads;
    struct worker *ws = xf_calloc((size_t)threads, sizeof *ws);
    /* Compiling connects on a template's first question to the database, if any. */
    bool need_db = q.total > 0 && o->phase != XF_PHASE_COMPILE;
    struct xf_buf err = XF_BUF_INIT;
    if (o->defer_state && q.total > 0 &&
        xf_defer_apply(s, o->defer_state, o->favor_state, selected) < 0) {
        rc = -1;
        goto out;
    }
    /* The first connection writes; the others connect once the schemas exist. */
    if (need_db && xf_relcache_connect_or_report(s, &ws[0].conn) < 0) {
        rc = -1;
        goto out;
    }
    if (need_db && xf_extras_conn(s, ws[0].conn, &err) < 0) {
        xf_error(s->diags, s->p->query_comment_loc, "%s", err.ptr);
        rc = -1;
        goto out;
    }
    if (need_db && xf_relcache_load(s, ws[0].conn, &err) < 0) {
        xf_error(s->diags, XF_NOLOC, "could not list relations: %s", err.ptr);
        rc = -1;
        goto out;
    }
    if (need_db) {
        /* Schemas first, so on-run-start hooks can use them. */
        struct xf_map made;
        xf_map_init(&made);
        for (size_t i = 0; i < g->n && rc == 0; i++) {
            const struct xf_node *n = g->all[i];
            if (!selected[i] || !n->schema || n->type == XF_RES_TEST ||
                xf_map_getc(&made, n->schema))
                continue;
            xf_map_put(&made, xf_str_c(n->schema), (void *)1);
            if (ws[0].conn->ops->ensure_schema(ws[0].conn, n->schema, &err) < 0) {
                xf_error(s->diags, XF_NOLOC, "could not create schema '%s': %s", n->schema,
                         err.ptr);
                rc = -1;
            }
        }
        xf_map_release(&made);
        if (rc < 0)
            goto out;
        struct xf_buf ex = XF_BUF_INIT;
        int he = run_project_hooks(s, ws[0].conn, false, NULL, &ex, &err);
        xf_buf_release(&ex);
        if (he < 0) {
            xf_error(s->diags, XF_NOLOC, "on-run-start hook failed: %s", err.ptr);
            rc = -1;
            goto out;
        }
    }
    for (int t = 1; t < threads && need_db; t++) {
        if (xf_relcache_connect_or_report(s, &ws[t].conn) < 0) {
            rc = -1;
            goto out;
        }
        xf_extras_conn(s, ws[t].conn, &err); /* rendered already for the first */
        if (!readers)
            continue;
        ws[t].reader = true;
        int me = s->ops->make_reader(ws[t].conn, &err);
        if (me < 0) {
            xf_error(s->diags, XF_NOLOC, "could not open a read connection: %s", err.ptr);
            rc = -1;
            goto out;
        }
        if (me > 0) {
            /* this target admits no readers (SQLite outside WAL): one thread, as before */
            for (int k = 1; k <= t; k++) {
                xf_relcache_disconnect(s, ws[k].conn);
                ws[k].conn = NULL;
            }
            threads = 1;
            free(q.ro);
            q.ro = NULL;
            /* every ready node goes back to the one heap */
            while (q.ready_ro.n)
                hpush(&q.ready, q.rank, hpop(&q.ready_ro, q.rank));
            break;
        }
    }
    if (o->events && o->events->begin)
        o->events->begin(o->events->user, q.total, threads);
    for (int t = 0; t < threads; t++) {
        ws[t].q = &q;
        ws[t].id = t + 1;
        xf_arena_init(&ws[t].keep);
    }
    if (threads == 1) {
        worker_main(&ws[0]);
    } else {
        for (int t = 0; t < threads; t++)
            pthread_create(&ws[t].th, NULL, worker_main, &ws[t]);
        for (int t = 0; t < threads; t++)
            pthread_join(ws[t].th, NULL);
    }
    if (q.stuck)
        report_stuck(&q);
    /* Anything never started (stop before it became ready) counts as skipped. */
    for (size_t i = 0; i < g->n; i++) {
        if (selected[i] && q.state[i] != NS_DONE) {
            struct xf_node_result r;
            memset(&r, 0, sizeof r);
            r.node = g->all[i];
            r.status = q.stuck ? XF_ST_ERROR : XF_ST_SKIPPED;
            r.failures = r.rows_affected = -1;
            r.message = q.stuck ? "internal error: the scheduler could never start this node"
                                : "skipped: the run was stopped";
            xf_vec_push(&s->results, r);
        }
    }
    sort_results(s, first_result, serial);
    rc = atomic_load(&s->lazy_failed) ? -1 : q.any_failed ? 1 : 0;
    if (need_db && o->phase != XF_PHASE_COMPILE && any_run_end_hook(s)) {
        struct xf_arena ra;
        xf_arena_init(&ra);
        struct xf_value results = xf_v_list(&ra, s->results.n);
        for (size_t i = 0; i < s->results.n; i++) {
            const struct xf_node_result *x = &s->results.v[i];
            struct xf_value d = xf_v_dict(&ra, 6);
            struct xf_value node = xf_v_dict(&ra, 4);
            xf_dict_set(&ra, node.u.d, XF_STR("unique_id"), xf_v_strc(x->node->unique_id));
            xf_dict_set(&ra, node.u.d, XF_STR("name"), xf_v_strc(x->node->name));
            xf_dict_set(&ra, node.u.d, XF_STR("resource_type"),
                        xf_v_strc(xf_resource_name(x->node->type)));
            xf_dict_set(&ra, d.u.d, XF_STR("node"), node);
            xf_dict_set(&ra, d.u.d, XF_STR("status"), xf_v_strc(xf_status_name(x->status)));
            xf_dict_set(&ra, d.u.d, XF_STR("message"),
                        x->message ? xf_v_strc(x->message) : xf_v_none());
            xf_dict_set(&ra, d.u.d, XF_STR("execution_time"), xf_v_float(x->execution_time));
            xf_dict_set(&ra, d.u.d, XF_STR("failures"),
                        x->failures >= 0 ? xf_v_int(x->failures) : xf_v_none());
            xf_list_push(&ra, results.u.l, d);
        }
        struct xf_buf ex = XF_BUF_INIT;
        xf_buf_reset(&err);
        if (run_project_hooks(s, ws[0].conn, true, &results, &ex, &err) < 0) {
            xf_error(s->diags, XF_NOLOC, "on-run-end hook failed: %s", err.ptr);
            rc = 1;
        }
        xf_buf_release(&ex);
        xf_arena_release(&ra);
    }
out:
    for (int t = 0; t < threads; t++) {
        /* Compiled SQL is referenced by nodes and results: keep it. */
        if (ws[t].keep.head)
            xf_vec_push(&s->keeps, ws[t].keep);
    }
    for (int t = 0; t < threads; t++)
        xf_relcache_disconnect(s, ws[t].conn);
    xf_buf_release(&err);
    free(ws);
    free(q.pending);
    free(q.upstream_bad);
    free(q.rank);
    free(q.state);
    free(q.ready.v);
    free(q.ready_ro.v);
    free(q.ro);
    free(serial);
    free(q.after_at);
    free(q.after);
    pthread_mutex_destroy(&q.mu);
    pthread_cond_destroy(&q.cv);
    *results = s->results.v;
    *nresults = s->results.n;
    return rc;
}
