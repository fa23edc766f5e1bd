// SPDX-License-Identifier: MIT
/*
 * The scheduler: runs every selected node as soon as its selected parents
 * have finished, on N worker threads with a connection each (one when the
 * adapter allows a single writer). A failure skips the node's descendants;
 * --fail-fast and cancellation stop scheduling. Per node: execute-mode
 * render, write target/compiled, materialize, write target/run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/internal.h"
#include "util/path.h"

enum nstate { NS_WAIT, NS_READY, NS_RUNNING, NS_DONE };

struct sched {
    struct xf_session *s;
    const struct xf_run_opts *o;
    const bool *sel;
    uint32_t *pending;  /* selected parents not finished yet */
    bool *upstream_bad; /* a selected ancestor failed or was skipped */
    uint32_t *rank;     /* position in topological order */
    enum nstate *state;
    uint32_t *ready; /* min-heap by rank */
    size_t nready;
    size_t total, started, finished;
    bool stop; /* fail-fast or cancel: start nothing new */
    bool any_failed;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct xf_arena *keep; /* compiled SQL kept for the manifest, per worker */
};

static void heap_push(struct sched *q, uint32_t i)
{
    size_t k = q->nready++;
    q->ready[k] = i;
    while (k) {
        size_t p = (k - 1) / 2;
        if (q->rank[q->ready[p]] <= q->rank[q->ready[k]])
            break;
        uint32_t t = q->ready[p];
        q->ready[p] = q->ready[k];
        q->ready[k] = t;
        k = p;
    }
}

static uint32_t heap_pop(struct sched *q)
{
    uint32_t top = q->ready[0];
    q->ready[0] = q->ready[--q->nready];
    size_t k = 0;
    for (;;) {
        size_t l = 2 * k + 1, r = l + 1, m = k;
        if (l < q->nready && q->rank[q->ready[l]] < q->rank[q->ready[m]])
            m = l;
        if (r < q->nready && q->rank[q->ready[r]] < q->rank[q->ready[m]])
            m = r;
        if (m == k)
            break;
        uint32_t t = q->ready[m];
        q->ready[m] = q->ready[k];
        q->ready[k] = t;
        k = m;
    }
    return top;
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
    if (n->type == XF_RES_TEST && n->decl)
        return xf_arena_printf(a, "%s/%s/%s/%s/%s", base, kind, s->p->name, rel, n->path);
    return xf_arena_printf(a, "%s/%s/%s/%s", base, kind, s->p->name, rel);
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

/* Renders one hook (a string of SQL with Jinja) and runs it on conn. */
static int run_hook(struct xf_session *s, struct xf_conn *conn, struct xf_node *n,
                    const struct xf_value *hook, const struct xf_value *results,
                    struct xf_buf *executed, struct xf_buf *err)
{
    const struct xf_value *sqlv = hook;
    if (hook->t == XF_V_DICT) /* {sql: ..., transaction: ...} form */
        sqlv = xf_dict_getc(hook->u.d, "sql");
    if (!sqlv || sqlv->t != XF_V_STR || !sqlv->u.s.len)
        return 0;
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_source *src = XF_ANEW(&a, struct xf_source);
    src->path = n && n->original_file_path
                    ? xf_arena_printf(&a, "%s (hook)", n->original_file_path)
                    : xf_arena_strdup(&a, "<project hook>");
    src->text = sqlv->u.s.p;
    src->len = sqlv->u.s.len;
    struct xf_rctx rc = {.s = s, .node = n, .execute = true, .conn = conn, .arena = &a};
    struct xf_render_env env;
    xf_context_env(&env, &rc);
    if (results)
        xf_dict_set(&a, (struct xf_dict *)env.locals, XF_STR("results"), *results);
    struct xf_diags local;
    xf_diags_init(&local);
    env.diags = &local;
    const struct xf_tmpl *t;
    struct xf_buf sql = XF_BUF_INIT;
    int e = xf_tmpl_parse(&t, &a, src, 0, src->len, &local);
    if (!e)
        e = xf_render_template(&sql, t, &env);
    if (e < 0) {
        for (struct xf_diag *g = local.head; g; g = g->next)
            xf_diag_format(err, g, false);
    } else if (xf_str_trim(xf_buf_str(&sql)).len) {
        xf_buf_addf(executed, "-- hook\n%s;\n", sql.ptr);
        e = conn->ops->exec(conn, sql.ptr, err);
    }
    xf_diags_release(&local);
    xf_buf_release(&sql);
    xf_arena_release(&a);
    return e < 0 ? -1 : 0;
}

static int run_hooks(struct xf_session *s, struct xf_conn *conn, struct xf_node *n,
                     const struct xf_value *hooks, const struct xf_value *results,
                     struct xf_buf *executed, struct xf_buf *err)
{
    if (!hooks)
        return 0;
    if (hooks->t != XF_V_LIST)
        return run_hook(s, conn, n, hooks, results, executed, err);
    for (size_t i = 0; i < hooks->u.l->n; i++) {
        if (run_hook(s, conn, n, &hooks->u.l->items[i], results, executed, err) < 0)
            return -1;
    }
    return 0;
}

static const struct xf_value *node_hooks(const struct xf_node *n, const char *key)
{
    const struct xf_value *v = xf_node_config(n, key);
    if (!v) {
        /* config(pre_hook=...) and YAML spell it with '_' too */
        char alt[16];
        snprintf(alt, sizeof alt, "%s", key);
        for (char *p = alt; *p; p++)
            if (*p == '-')
                *p = '_';
        v = xf_node_config(n, alt);
    }
    return v;
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
    if (renders_sql(n)) {
        struct xf_rctx rc = {.s = s,
                             .node = n,
                             .execute = true,
                             .conn = conn,
                             .lazy = lazy ? connp : NULL,
                             .arena = &scratch};
        struct xf_render_env env;
        xf_context_env(&env, &rc);
        struct xf_diags local;
        xf_diags_init(&local);
        env.diags = &local;
        double t0 = xf_now();
        int e = n->decl ? xf_tests_render(s, &rc, &sql) : xf_render_template(&sql, n->tmpl, &env);
        double took = xf_now() - t0, had = atomic_load(&s->t_exec_render);
        while (!atomic_compare_exchange_weak(&s->t_exec_render, &had, had + took))
            ;
        if (e < 0) {
            struct xf_buf msg = XF_BUF_INIT;
            for (struct xf_diag *g = local.head; g; g = g->next)
                xf_diag_format(&msg, g, false);
            set_result_error(r, keep, msg.ptr);
            xf_buf_release(&msg);
        }
        if (!rc.quiet)
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
    if (run_hooks(s, conn, n, node_hooks(n, "pre-hook"), NULL, &executed, &err) < 0 ||
        xf_materialize(s, conn, n, sql.ptr, &executed, r, &err) < 0 ||
        run_hooks(s, conn, n, node_hooks(n, "post-hook"), NULL, &executed, &err) < 0) {
        set_result_error(r, keep, err.len ? err.ptr : "failed");
        if (executed.len)
            write_sql(r, keep, out_path(s, &scratch, "run", n), &executed);
    } else {
        /* A failing or warning test's message ("Got 3 results, ...") comes back in err. */
        if (err.len && (r->status == XF_ST_FAIL || r->status == XF_ST_WARN))
            r->message = xf_arena_strndup(keep, err.ptr, err.len);
        if (executed.len)
            write_sql(r, keep, out_path(s, &scratch, "run", n), &executed);
    }
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
    return n->type == XF_RES_MODEL &&
           !strcmp(xf_node_config_str(n, "materialized", "view"), "ephemeral");
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

/* How many selected tests are attached to node p. */
static uint32_t tests_of(const struct xf_graph *g, const bool *sel, uint32_t p)
{
    uint32_t n = 0;
    for (uint32_t k = 0; k < g->nchildren[p]; k++) {
        uint32_t c = g->children[p][k];
        if (sel[c] && g->all[c]->type == XF_RES_TEST && g->all[c]->attached == g->all[p])
            n++;
    }
    return n;
}

static void heap_push(struct sched *q, uint32_t i);

/* build: a finished test of node X releases X's non-test children. */
static void release_after_test(struct sched *q, uint32_t t, bool failed)
{
    const struct xf_graph *g = &q->s->g;
    const struct xf_node *x = g->all[t]->attached;
    if (!x)
        return;
    uint32_t xi = xf_graph_index(g, x);
    for (uint32_t k = 0; k < g->nchildren[xi]; k++) {
        uint32_t c = g->children[xi][k];
        if (!q->sel[c] || g->all[c]->type == XF_RES_TEST || q->state[c] != NS_WAIT)
            continue;
        if (failed)
            q->upstream_bad[c] = true;
        if (--q->pending[c] == 0) {
            q->state[c] = NS_READY;
            heap_push(q, c);
        }
    }
}

/* One wait released per path, through ephemeral children as count_waits counted. */
static void release_children(struct sched *q, uint32_t i, bool bad, int depth)
{
    const struct xf_graph *g = &q->s->g;
    for (uint32_t k = 0; k < g->nchildren[i]; k++) {
        uint32_t c = g->children[i][k];
        if (!q->sel[c]) {
            if (is_ephemeral(g->all[c]) && depth < 64)
                release_children(q, c, bad, depth + 1);
            continue;
        }
        if (q->state[c] != NS_WAIT)
            continue;
        if (bad)
            q->upstream_bad[c] = true;
        if (--q->pending[c] == 0) {
            q->state[c] = NS_READY;
            heap_push(q, c);
        }
    }
}

/* Called with q->mu held: records a result and releases the children. */
static void finish(struct sched *q, uint32_t i, const struct xf_node_result *r)
{
    struct xf_session *s = q->s;
    struct xf_graph *g = &s->g;
    q->state[i] = NS_DONE;
    q->finished++;
    bool bad = is_failure(r);
    if (bad && r->status != XF_ST_SKIPPED)
        q->any_failed = true;
    if (bad && r->status != XF_ST_SKIPPED && q->o->fail_fast)
        q->stop = true;
    pthread_mutex_lock(&s->lock);
    xf_vec_push(&s->results, *r);
    pthread_mutex_unlock(&s->lock);
    if (q->o->phase == XF_PHASE_BUILD && g->all[i]->type == XF_RES_TEST)
        release_after_test(q, i, bad);
    release_children(q, i, bad, 0);
    pthread_cond_broadcast(&q->cv);
}

struct worker {
    struct sched *q;
    struct xf_conn *conn;
    struct xf_arena keep;
    int id;
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

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct sched *q = w->q;
    struct xf_session *s = q->s;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (!q->nready && q->finished < q->total && !(q->stop && q->nready == 0))
            pthread_cond_wait(&q->cv, &q->mu);
        if (!q->nready)
            break;
        uint32_t i = heap_pop(q);
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
        if (s->cancelled && r.status == XF_ST_ERROR)
            r.message = "cancelled";
        emit_done(q, idx, n, &r);
        pthread_mutex_lock(&q->mu);
        finish(q, i, &r);
    }
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

void xf_session_mark_existing(struct xf_session *s, const char *schema, const char *identifier,
                              enum xf_relkind kind)
{
    pthread_mutex_lock(&s->lock);
    char *key = xf_existing_key(&s->arena, schema, identifier);
    xf_map_put(&s->existing, xf_str_c(key), (void *)(uintptr_t)(kind + 1));
    pthread_mutex_unlock(&s->lock);
}

/* One query per schema: which relations exist already. */
static int load_existing(struct xf_session *s, struct xf_conn *c, struct xf_buf *err)
{
    struct xf_map seen;
    xf_map_init(&seen);
    int rc = 0;
    for (size_t i = 0; i < s->g.n && !rc; i++) {
        struct xf_node *n = s->g.all[i];
        if (!n->schema || xf_map_getc(&seen, n->schema))
            continue;
        xf_map_put(&seen, xf_str_c(n->schema), (void *)1);
        struct xf_arena a;
        xf_arena_init(&a);
        struct xf_relation *rels;
        enum xf_relkind *kinds;
        size_t nr = 0;
        rc = c->ops->list_relations(c, n->schema, &a, &rels, &kinds, &nr, err);
        for (size_t k = 0; k < nr && !rc; k++)
            xf_session_mark_existing(s, n->schema, rels[k].identifier, kinds[k]);
        xf_arena_release(&a);
    }
    xf_map_release(&seen);
    return rc;
}

/* Connects and registers the connection (for cancel); the message in err. */
static int connect_conn(struct xf_session *s, struct xf_conn **out, struct xf_buf *err)
{
    size_t from = err->len;
    if (s->ops->connect(out, &s->p->target, s->p->root, err) < 0) {
        struct xf_buf why = XF_BUF_INIT;
        xf_buf_adds(&why, err->ptr + from);
        err->len = from;
        xf_buf_addf(err, "could not connect to the %s target '%s': %s", s->ops->name,
                    s->p->target.name ? s->p->target.name : "default", why.ptr);
        xf_buf_release(&why);
        *out = NULL;
        return -1;
    }
    pthread_mutex_lock(&s->lock);
    xf_vec_push(&s->conns, *out);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

static int connect_one(struct xf_session *s, struct xf_conn **out)
{
    struct xf_buf err = XF_BUF_INIT;
    int e = connect_conn(s, out, &err);
    if (e < 0) {
        struct xf_diag *g = xf_diag_add(s->diags, XF_SEV_ERROR, XF_NOLOC, "%s", err.ptr);
        xf_diag_hint(g, "check the profile's connection settings (xform debug shows them)");
    }
    xf_buf_release(&err);
    return e;
}

struct xf_conn *xf_rctx_conn(struct xf_rctx *rc, struct xf_buf *err)
{
    if (!rc->execute)
        return NULL;
    struct xf_session *s = rc->s;
    if (!rc->conn && rc->lazy) {
        if (atomic_load(&s->lazy_failed)) {
            xf_buf_adds(err, "the database is not reachable");
            rc->quiet = true; /* said once, by the first render that asked */
            return NULL;
        }
        if (!*rc->lazy && connect_conn(s, rc->lazy, err) < 0) {
            /* then the run ends with exit 2, like a run that cannot connect */
            if (atomic_exchange(&s->lazy_failed, true))
                rc->quiet = true;
            xf_buf_adds(err, " (compiling connects only for a template that asks the database "
                             "something, as this one does)");
            return NULL;
        }
        rc->conn = *rc->lazy;
    }
    if (!rc->conn)
        xf_buf_adds(err, "no database connection here");
    return rc->conn;
}

int xf_rctx_existing(struct xf_rctx *rc, const char *schema, const char *identifier,
                     enum xf_relkind *out, struct xf_buf *err)
{
    struct xf_session *s = rc->s;
    *out = XF_REL_NONE;
    if (!atomic_load(&s->existing_ready)) {
        struct xf_conn *c = xf_rctx_conn(rc, err);
        if (!c)
            return -1;
        pthread_mutex_lock(&s->lazy_lock);
        int e = 0;
        if (!atomic_load(&s->existing_ready)) {
            e = load_existing(s, c, err);
            if (e == 0)
                atomic_store(&s->existing_ready, true);
        }
        pthread_mutex_unlock(&s->lazy_lock);
        if (e < 0)
            return -1;
    }
    *out = xf_session_existing(s, schema, identifier);
    return 0;
}

int xf_session_run(struct xf_session *s, const struct xf_run_opts *o, const bool *selected,
                   const struct xf_node_result **results, size_t *nresults)
{
    struct xf_graph *g = &s->g;
    s->full_refresh = o->full_refresh;
    s->events = o->events;
    struct sched q;
    memset(&q, 0, sizeof q);
    q.s = s;
    q.o = o;
    q.sel = selected;
    q.pending = xf_calloc(g->n + 1, sizeof *q.pending);
    q.upstream_bad = xf_calloc(g->n + 1, sizeof *q.upstream_bad);
    q.rank = xf_calloc(g->n + 1, sizeof *q.rank);
    q.state = xf_calloc(g->n + 1, sizeof *q.state);
    q.ready = xf_calloc(g->n + 1, sizeof *q.ready);
    pthread_mutex_init(&q.mu, NULL);
    pthread_cond_init(&q.cv, NULL);
    for (size_t k = 0; k < g->n; k++)
        q.rank[g->order[k]] = (uint32_t)k;
    for (size_t i = 0; i < g->n; i++) {
        if (!selected[i])
            continue;
        q.total++;
        q.pending[i] = count_waits(g, selected, (uint32_t)i, 0);
        /* build: a node also waits for its parents' tests (their failure skips it). */
        for (uint32_t k = 0; o->phase == XF_PHASE_BUILD && g->all[i]->type != XF_RES_TEST &&
                             k < g->nparents[i];
             k++) {
            uint32_t p = g->parents[i][k];
            if (selected[p])
                q.pending[i] += tests_of(g, selected, p);
        }
    }
    for (size_t k = 0; k < g->n; k++) {
        uint32_t i = g->order[k];
        if (selected[i] && q.pending[i] == 0) {
            q.state[i] = NS_READY;
            heap_push(&q, i);
        }
    }

    int threads = o->threads > 0 ? o->threads : s->p->target.threads;
    if (threads < 1)
        threads = 1;
    if (s->ops->single_writer && o->phase != XF_PHASE_COMPILE)
        threads = 1;
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
    for (int t = 0; t < threads && need_db; t++) {
        if (connect_one(s, &ws[t].conn) < 0) {
            rc = -1;
            goto out;
        }
    }
    if (need_db && load_existing(s, ws[0].conn, &err) < 0) {
        xf_error(s->diags, XF_NOLOC, "could not list relations: %s", err.ptr);
        rc = -1;
        goto out;
    }
    if (need_db)
        atomic_store(&s->existing_ready, true);
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
        int he = run_hooks(s, ws[0].conn, NULL, &s->p->on_run_start, NULL, &ex, &err);
        xf_buf_release(&ex);
        if (he < 0) {
            xf_error(s->diags, XF_NOLOC, "on-run-start hook failed: %s", err.ptr);
            rc = -1;
            goto out;
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
    /* Anything never started (stop before it became ready) counts as skipped. */
    for (size_t i = 0; i < g->n; i++) {
        if (selected[i] && q.state[i] != NS_DONE) {
            struct xf_node_result r;
            memset(&r, 0, sizeof r);
            r.node = g->all[i];
            r.status = XF_ST_SKIPPED;
            r.failures = r.rows_affected = -1;
            r.message = "skipped: the run was stopped";
            xf_vec_push(&s->results, r);
        }
    }
    rc = atomic_load(&s->lazy_failed) ? -1 : q.any_failed ? 1 : 0;
    if (need_db && o->phase != XF_PHASE_COMPILE && s->p->on_run_end.t == XF_V_LIST &&
        s->p->on_run_end.u.l->n) {
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
        if (run_hooks(s, ws[0].conn, NULL, &s->p->on_run_end, &results, &ex, &err) < 0) {
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
    pthread_mutex_lock(&s->lock);
    for (int t = 0; t < threads; t++) {
        for (size_t k = 0; ws[t].conn && k < s->conns.n; k++) {
            if (s->conns.v[k] == ws[t].conn) {
                s->conns.v[k] = s->conns.v[--s->conns.n];
                break;
            }
        }
    }
    pthread_mutex_unlock(&s->lock);
    for (int t = 0; t < threads; t++) {
        if (ws[t].conn)
            ws[t].conn->ops->disconnect(ws[t].conn);
    }
    xf_buf_release(&err);
    free(ws);
    free(q.pending);
    free(q.upstream_bad);
    free(q.rank);
    free(q.state);
    free(q.ready);
    pthread_mutex_destroy(&q.mu);
    pthread_cond_destroy(&q.cv);
    *results = s->results.v;
    *nresults = s->results.n;
    return rc;
}

void xf_session_cancel(struct xf_session *s)
{
    s->cancelled = 1;
    /* Called from a signal-watching thread, not a handler: locking is fine. */
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->conns.n; i++)
        s->conns.v[i]->ops->cancel(s->conns.v[i]);
    pthread_mutex_unlock(&s->lock);
}

int xf_session_check_connection(struct xf_session *s, struct xf_buf *note, struct xf_buf *err)
{
    if (s->ops->check)
        return s->ops->check(&s->p->target, s->p->root, note, err) < 0 ? -1 : 0;
    struct xf_conn *c;
    int e = s->ops->connect(&c, &s->p->target, s->p->root, err);
    if (e < 0)
        return -1;
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_result res;
    e = c->ops->query(c, "select 1", &a, &res, err);
    xf_arena_release(&a);
    c->ops->disconnect(c);
    return e < 0 ? -1 : 0;
}
