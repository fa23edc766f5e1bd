// SPDX-License-Identifier: MIT
/*
 * The microbatch incremental strategy (dbt 1.9): a model whose query reads
 * one time window is built window by window ("batches" of an hour, day,
 * month or year of its event_time column). Each batch is rendered again
 * with model.batch set and every upstream that declares event_time read
 * through a filtered subquery, then replaces its window in the target in
 * its own transaction (delete the window, insert the batch). A failed batch
 * leaves the others committed; retry runs only the failed ones. Times are
 * UTC seconds computed here, so text dates (SQLite) and timestamps agree.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "engine/internal.h"

/* ---- the model's settings ---- */

struct settings {
    const char *event_time;
    enum xf_grain grain;
    long long begin;
    int lookback;
};

bool xf_microbatch_is(const struct xf_node *n)
{
    if (n->type != XF_RES_MODEL || n->mat != XF_MAT_INCREMENTAL)
        return false;
    const char *strat = xf_node_config_str(n, "incremental_strategy", NULL);
    return strat && !strcmp(strat, "microbatch");
}

/* Reads and checks the settings; a problem is a located error in d (when given) and -1. */
static int read_settings(struct xf_session *s, const struct xf_node *n, struct xf_arena *a,
                         struct settings *out, struct xf_diags *d)
{
    memset(out, 0, sizeof *out);
    out->lookback = 1;
    const struct xf_project *p = s->p;
    struct xf_diag *g;
    const struct xf_value *et = xf_node_config(n, "event_time");
    if (!et || et->t != XF_V_STR || !et->u.s.len) {
        if (d) {
            g = xf_diag_add(d, XF_SEV_ERROR, xf_config_word_loc(p, n, "microbatch"),
                            "microbatch model '%s' has no event_time: the column that says when "
                            "each row happened",
                            n->name);
            xf_diag_hint(g, "add event_time='<column>' to its config, e.g. config(event_time="
                            "'created_at', batch_size='day', begin='2024-01-01')");
        }
        return -1;
    }
    out->event_time = xf_arena_strdups(a, et->u.s);
    const char *bs = xf_node_config_str(n, "batch_size", NULL);
    if (xf_grain_of(bs, &out->grain) < 0) {
        if (d && !bs) {
            g = xf_diag_add(d, XF_SEV_ERROR, xf_config_word_loc(p, n, "microbatch"),
                            "microbatch model '%s' has no batch_size", n->name);
            xf_diag_hint(g, "set batch_size to hour, day, month or year");
        } else if (d) {
            const char *sug = xf_str_suggest(xf_str_c(bs), xf_grain_names, 4);
            g = xf_diag_add(d, XF_SEV_ERROR, xf_config_word_loc(p, n, bs),
                            "batch_size '%s' of microbatch model '%s' is not hour, day, month or "
                            "year%s%s%s",
                            bs, n->name, sug ? " (did you mean '" : "", sug ? sug : "",
                            sug ? "'?)" : "");
            xf_diag_hint(g, "a batch is one hour, day, month or year of event_time");
        }
        return -1;
    }
    const char *begin = xf_value_text(a, xf_node_config(n, "begin"));
    if (!begin) {
        if (d) {
            g = xf_diag_add(d, XF_SEV_ERROR, xf_config_word_loc(p, n, "microbatch"),
                            "microbatch model '%s' has no begin: the time its first batch starts",
                            n->name);
            xf_diag_hint(g, "add begin='2024-01-01' (an ISO date or date and time, UTC) to its "
                            "config");
        }
        return -1;
    }
    if (xf_microbatch_parse_time(begin, &out->begin) < 0) {
        if (d) {
            g = xf_diag_add(d, XF_SEV_ERROR, xf_config_word_loc(p, n, begin),
                            "begin '%s' of microbatch model '%s' is not an ISO date or date and "
                            "time",
                            begin, n->name);
            xf_diag_hint(g, "write it as 2024-01-01 or 2024-01-01 00:00:00 (UTC)");
        }
        return -1;
    }
    const struct xf_value *lb = xf_node_config(n, "lookback");
    if (lb && lb->t != XF_V_NONE) {
        if (lb->t != XF_V_INT || lb->u.i < 0 || lb->u.i > 100000) {
            if (d) {
                g = xf_diag_add(d, XF_SEV_ERROR, xf_config_word_loc(p, n, "lookback"),
                                "lookback of microbatch model '%s' must be a whole number of "
                                "batches, 0 or more",
                                n->name);
                xf_diag_hint(g, "lookback: 1 (the default) builds the previous batch again too");
            }
            return -1;
        }
        out->lookback = (int)lb->u.i;
    }
    const struct xf_value *cb = xf_node_config(n, "concurrent_batches");
    if (cb && cb->t != XF_V_NONE && cb->t != XF_V_BOOL) {
        if (d) {
            g = xf_diag_add(d, XF_SEV_ERROR, xf_config_word_loc(p, n, "concurrent_batches"),
                            "concurrent_batches of microbatch model '%s' must be true or false",
                            n->name);
            xf_diag_hint(g, "xform runs the batches of a model one after another either way");
        }
        return -1;
    }
    return 0;
}

int xf_microbatch_check(struct xf_session *s, struct xf_diags *d)
{
    int err = 0;
    struct xf_arena a;
    xf_arena_init(&a);
    for (size_t i = 0; i < s->p->nodes.n; i++) {
        struct xf_node *n = s->p->nodes.v[i];
        if (!xf_microbatch_is(n) || !xf_node_config_bool(n, "enabled", true))
            continue;
        struct settings st;
        if (read_settings(s, n, &a, &st, d) < 0) {
            err = -1;
            continue;
        }
        const struct xf_value *cb = xf_node_config(n, "concurrent_batches");
        if (cb && cb->t == XF_V_BOOL && cb->u.b) {
            struct xf_diag *g = xf_diag_add(
                d, XF_SEV_WARNING, xf_config_word_loc(s->p, n, "concurrent_batches"),
                "model '%s' sets concurrent_batches: true, but xform builds its batches one "
                "after another (each in its own transaction)",
                n->name);
            xf_diag_hint(g, "set concurrent_batches: false, or remove it, to silence this");
        }
        const char *osc = xf_node_config_str(n, "on_schema_change", "ignore");
        if (strcmp(osc, "ignore")) {
            struct xf_diag *g = xf_diag_add(
                d, XF_SEV_WARNING, xf_config_word_loc(s->p, n, "on_schema_change"),
                "on_schema_change '%s' of microbatch model '%s' is not applied: each batch "
                "inserts the columns the table and the batch share",
                osc, n->name);
            xf_diag_hint(g, "rebuild with --full-refresh after a change of columns");
        }
        /* the merge strategies' settings: a batch replaces its window instead */
        static const char *const unused[] = {"incremental_predicates", "merge_update_columns",
                                             "merge_exclude_columns"};
        for (size_t k = 0; k < sizeof unused / sizeof *unused; k++) {
            const struct xf_value *v = xf_node_config(n, unused[k]);
            if (!v || v->t == XF_V_NONE || v->t == XF_V_UNDEF ||
                (v->t == XF_V_LIST && !v->u.l->n))
                continue;
            struct xf_diag *g = xf_diag_add(
                d, XF_SEV_WARNING, xf_config_word_loc(s->p, n, unused[k]),
                "%s of microbatch model '%s' is not applied: each batch deletes its window of "
                "event_time and inserts the batch's rows",
                unused[k], n->name);
            xf_diag_hint(g, "remove %s from this model, or use the merge strategy", unused[k]);
        }
    }
    xf_arena_release(&a);
    return err;
}

/* ---- retry: the batches the last run failed ---- */

struct retry {
    size_t n;
    long long *start, *end;
};

int xf_session_retry_batches(struct xf_session *s, const char *unique_id,
                             const char *const *windows, size_t n)
{
    struct retry *r = XF_ANEW(&s->arena, struct retry);
    r->start = XF_ANEWN(&s->arena, long long, n + 1);
    r->end = XF_ANEWN(&s->arena, long long, n + 1);
    for (size_t i = 0; i < n; i++) {
        if (xf_microbatch_parse_time(windows[2 * i], &r->start[r->n]) < 0 ||
            xf_microbatch_parse_time(windows[2 * i + 1], &r->end[r->n]) < 0)
            return -1;
        r->n++;
    }
    xf_map_put(&s->mb_retry, xf_str_c(xf_arena_strdup(&s->arena, unique_id)), r);
    return 0;
}

/* ---- one batch ---- */

struct mb {
    struct xf_session *s;
    struct xf_conn *c;
    struct xf_node *n;
    struct settings st;
    struct xf_relation target;
    struct xf_buf *executed;
    bool table_ready; /* the target exists and a batch goes into it */
};

static int run(struct mb *m, const char *sql, struct xf_buf *err)
{
    xf_buf_adds(m->executed, sql);
    xf_buf_adds(m->executed, ";\n");
    return m->c->ops->exec(m->c, sql, err);
}

/* The model's SQL for one batch: refs filtered, model.batch set. */
static int render_batch(struct mb *m, struct xf_arena *a, const struct xf_mb_batch *b,
                        struct xf_buf *sql, struct xf_buf *err)
{
    struct xf_rctx rc = {
        .s = m->s, .node = m->n, .execute = true, .conn = m->c, .arena = a, .batch = b};
    struct xf_diags local;
    xf_diags_init(&local);
    rc.diags = &local;
    struct xf_render_env env;
    xf_context_env(&env, &rc);
    struct xf_buf raw = XF_BUF_INIT;
    int e = xf_render_template(&raw, m->n->tmpl, &env);
    if (e < 0) {
        for (struct xf_diag *g = local.head; g; g = g->next)
            xf_diag_format(err, g, false);
        if (!err->len)
            xf_buf_adds(err, "the render failed");
    } else {
        xf_inject_ctes(sql, raw.ptr, rc.ctes);
    }
    xf_diags_release(&local);
    xf_buf_release(&raw);
    return e < 0 ? -1 : 0;
}

static bool has_col(const struct xf_column_info *cols, size_t n, const char *name);

/* The batch's query returns the model's event_time column (else no window could be replaced). */
static int check_event_time(struct mb *m, const struct xf_column_info *cols, size_t n,
                            struct xf_buf *err)
{
    if (has_col(cols, n, m->st.event_time))
        return 0;
    xf_buf_addf(err,
                "event_time '%s' of microbatch model '%s' is not one of the columns its query "
                "returns; nothing was changed",
                m->st.event_time, m->n->name);
    return -1;
}

/* A batch into a table that does not exist yet (or is rebuilt): an atomic create. */
static int create_batch(struct mb *m, const char *sql, struct xf_buf *err)
{
    struct xf_arena da;
    xf_arena_init(&da);
    struct xf_column_info *cols = NULL;
    size_t nc = 0;
    int de = m->c->ops->describe ? m->c->ops->describe(m->c, sql, &da, &cols, &nc, err) : 0;
    if (!de && m->c->ops->describe)
        de = check_event_time(m, cols, nc, err);
    xf_arena_release(&da);
    if (de < 0)
        return -1;
    if (xf_contract_enforced(m->n)) {
        struct xf_arena ca;
        xf_arena_init(&ca);
        struct xf_column_info *cols = NULL;
        size_t nc = 0;
        int e = xf_contract_check(m->s, m->c, m->n, sql, &ca, &cols, &nc, err);
        if (e == 0)
            e = xf_contract_build_table(m->s, m->c, m->n, sql, cols, nc, NULL, m->executed, err);
        xf_arena_release(&ca);
        return e < 0 ? -1 : 0;
    }
    /* created by the create macros (get_create_table_as_sql ...), as a table is */
    struct xf_arena sa;
    xf_arena_init(&sa);
    struct xf_strategy st;
    xf_strategy_init(&st, m->s, m->c, m->n, &sa);
    int e = m->c->ops->replace_relation(m->c, &m->target, XF_REL_TABLE, sql, &st.create, NULL,
                                        m->executed, err);
    xf_strategy_release(&st);
    xf_arena_release(&sa);
    return e < 0 ? -1 : 0;
}

static bool has_col(const struct xf_column_info *cols, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcasecmp(cols[i].name, name))
            return true;
    }
    return false;
}

/* unique_key (string, "a, b" or a list) as names in a. */
static size_t unique_keys(const struct xf_node *n, struct xf_arena *a, const char ***out)
{
    const struct xf_value *k = xf_node_config(n, "unique_key");
    size_t cnt = 0;
    *out = NULL;
    if (!k || (k->t != XF_V_STR && k->t != XF_V_LIST))
        return 0;
    size_t cap = k->t == XF_V_LIST ? k->u.l->n + 1 : k->u.s.len + 1;
    const char **keys = XF_ANEWN(a, const char *, cap);
    if (k->t == XF_V_LIST) {
        for (size_t i = 0; i < k->u.l->n; i++) {
            if (k->u.l->items[i].t == XF_V_STR)
                keys[cnt++] = xf_arena_strdups(a, xf_str_trim(k->u.l->items[i].u.s));
        }
    } else {
        const char *p = k->u.s.p, *end = p + k->u.s.len;
        while (p < end) {
            const char *comma = memchr(p, ',', (size_t)(end - p));
            const char *e = comma ? comma : end;
            struct xf_str part = xf_str_trim(xf_str_n(p, (size_t)(e - p)));
            if (part.len)
                keys[cnt++] = xf_arena_strdups(a, part);
            p = comma ? comma + 1 : end;
        }
    }
    *out = keys;
    return cnt;
}

/*
 * A batch into the existing table, in one transaction: the batch's rows
 * into a staging table, the batch's window deleted from the target (and,
 * with a unique_key, the rows whose key the batch brings again), the
 * batch inserted, the staging table dropped.
 */
static int replace_batch(struct mb *m, struct xf_arena *a, const struct xf_mb_batch *b,
                         const char *sql, struct xf_buf *err)
{
    const struct xf_adapter_ops *ops = m->c->ops;
    struct xf_relation stage = m->target;
    stage.identifier = xf_arena_printf(a, "%s__xform_batch", m->n->alias);
    if (ops->begin(m->c, err) < 0)
        return -1;
    struct xf_buf q = XF_BUF_INIT;
    xf_buf_adds(&q, "drop table if exists ");
    ops->render_relation(&q, &stage);
    int e = run(m, q.ptr, err);
    if (!e) {
        xf_buf_reset(&q);
        xf_buf_adds(&q, "create table ");
        ops->render_relation(&q, &stage);
        xf_buf_addf(&q, " as\n%s", sql);
        e = run(m, q.ptr, err);
    }
    struct xf_column_info *tcols = NULL, *scols = NULL;
    size_t nt = 0, ns = 0;
    if (!e)
        e = ops->columns(m->c, &stage, a, &scols, &ns, err);
    if (!e)
        e = ops->columns(m->c, &m->target, a, &tcols, &nt, err);
    if (!e)
        e = check_event_time(m, scols, ns, err);
    if (!e) {
        xf_buf_reset(&q);
        xf_buf_adds(&q, "delete from ");
        ops->render_relation(&q, &m->target);
        xf_buf_adds(&q, "\nwhere ");
        xf_event_time_where(&q, m->s->ops, m->st.event_time, b->start, b->end);
        const char **keys;
        size_t nk = unique_keys(m->n, a, &keys);
        if (nk) {
            xf_buf_adds(&q, "\n   or exists (select 1 from ");
            ops->render_relation(&q, &stage);
            xf_buf_adds(&q, " as xform_batch where ");
            for (size_t k = 0; k < nk; k++) {
                if (k)
                    xf_buf_adds(&q, " and ");
                xf_buf_adds(&q, "xform_batch.");
                ops->quote(&q, keys[k]);
                xf_buf_adds(&q, " = ");
                ops->quote(&q, m->target.identifier);
                xf_buf_adds(&q, ".");
                ops->quote(&q, keys[k]);
            }
            xf_buf_adds(&q, ")");
        }
        e = run(m, q.ptr, err);
    }
    if (!e) {
        struct xf_buf cols = XF_BUF_INIT;
        for (size_t i = 0; i < nt; i++) {
            if (!has_col(scols, ns, tcols[i].name))
                continue;
            if (cols.len)
                xf_buf_adds(&cols, ", ");
            ops->quote(&cols, tcols[i].name);
        }
        xf_buf_reset(&q);
        xf_buf_adds(&q, "insert into ");
        ops->render_relation(&q, &m->target);
        xf_buf_addf(&q, " (%s)\nselect %s from ", cols.ptr, cols.ptr);
        ops->render_relation(&q, &stage);
        xf_buf_release(&cols);
        e = run(m, q.ptr, err);
    }
    xf_buf_release(&q);
    return xf_staging_finish(m->c, &stage, e, m->executed, err) < 0 ? -1 : 0;
}

static void emit_start(struct mb *m, size_t i, size_t total, const char *id)
{
    const struct xf_events *ev = m->s->events;
    if (!ev || !ev->batch_start)
        return;
    pthread_mutex_lock(&m->s->lock);
    ev->batch_start(ev->user, m->n, i, total, id);
    pthread_mutex_unlock(&m->s->lock);
}

static void emit_batch(struct mb *m, size_t i, size_t total, const struct xf_batch_result *br)
{
    const struct xf_events *ev = m->s->events;
    if (!ev || !ev->batch_done)
        return;
    pthread_mutex_lock(&m->s->lock);
    ev->batch_done(ev->user, m->n, i, total, br);
    pthread_mutex_unlock(&m->s->lock);
}

/* ---- the model ---- */

int xf_microbatch(struct xf_session *s, struct xf_conn *c, struct xf_node *n,
                  struct xf_buf *executed, struct xf_node_result *r, struct xf_buf *err)
{
    struct xf_arena a;
    xf_arena_init(&a);
    struct mb m = {.s = s, .c = c, .n = n, .executed = executed};
    m.target = (struct xf_relation){n->database, n->schema, n->alias};
    int e = read_settings(s, n, &a, &m.st, NULL);
    if (e < 0) { /* checked at load: only a config() set while executing gets here */
        xf_buf_addf(err,
                    "microbatch model '%s' has an event_time, batch_size or begin that is "
                    "missing or wrong",
                    n->name);
        goto out;
    }
    if ((e = c->ops->ensure_schema(c, n->schema, err)) < 0)
        goto out;
    enum xf_relkind kind = XF_REL_NONE;
    if ((e = c->ops->relation_kind(c, &m.target, &kind, err)) < 0)
        goto out;
    bool full = xf_node_full_refresh(s, n);
    m.table_ready = kind == XF_REL_TABLE && !full;

    /* Which batches: a retry's failed ones, --event-time-start/end, from begin, or lookback. */
    size_t nb = 0, cap = 0;
    long long *starts = NULL, *ends = NULL;
    const struct retry *rt = xf_map_getc(&s->mb_retry, n->unique_id);
    if (rt) {
        nb = cap = rt->n;
        starts = XF_ANEWN(&a, long long, nb + 1);
        ends = XF_ANEWN(&a, long long, nb + 1);
        memcpy(starts, rt->start, nb * sizeof *starts);
        memcpy(ends, rt->end, nb * sizeof *ends);
    } else {
        long long start, end, now = (long long)time(NULL);
        enum xf_grain g = m.st.grain;
        if (s->has_event_time) {
            start = xf_grain_trunc(s->event_time_start, g);
            end = s->event_time_end;
        } else {
            end = xf_grain_trunc(now, g) == now ? now : xf_grain_add(xf_grain_trunc(now, g), g, 1);
            if (!m.table_ready) {
                start = xf_grain_trunc(m.st.begin, g);
            } else {
                start = xf_grain_add(xf_grain_trunc(now, g), g, -m.st.lookback);
                if (xf_grain_trunc(now, g) == now)
                    start = xf_grain_add(start, g, -1);
            }
        }
        for (long long t = start; t < end; t = xf_grain_add(t, g, 1)) {
            if (nb == cap) {
                size_t nc = cap ? cap * 2 : 16;
                long long *ns = XF_ANEWN(&a, long long, nc), *ne = XF_ANEWN(&a, long long, nc);
                if (nb) {
                    memcpy(ns, starts, nb * sizeof *ns);
                    memcpy(ne, ends, nb * sizeof *ne);
                }
                starts = ns, ends = ne, cap = nc;
            }
            starts[nb] = t;
            long long next = xf_grain_add(t, g, 1);
            ends[nb++] = next < end ? next : end; /* the last batch stops at the end */
        }
    }

    pthread_mutex_lock(&s->lock);
    struct xf_batch_result *res = XF_ANEWN(&s->arena, struct xf_batch_result, nb + 1);
    pthread_mutex_unlock(&s->lock);
    size_t nfailed = 0, ran = 0;
    const char *create_failed = NULL; /* the id of a failed batch that was to create the table */
    struct xf_buf first_err = XF_BUF_INIT;
    for (size_t i = 0; i < nb && !s->cancelled; i++, ran++) {
        double t0 = xf_now();
        struct xf_arena ba;
        xf_arena_init(&ba);
        struct xf_mb_batch b;
        xf_mb_batch_init(&b, &ba, starts[i], ends[i], m.st.grain);
        char st[20], en[20];
        xf_utc_text(st, starts[i], 'T');
        xf_utc_text(en, ends[i], 'T');
        emit_start(&m, i, nb, b.id);
        struct xf_buf sql = XF_BUF_INIT, berr = XF_BUF_INIT;
        int be = 0;
        if (create_failed) {
            /*
             * The batch that creates (or, with --full-refresh, replaces) the
             * table failed: another batch must not replace it with only its
             * own window. The rest fail unrun; retry runs them all again.
             */
            xf_buf_addf(&berr, "not run: batch %s, which creates the table, failed", create_failed);
            be = -1;
        }
        if (!be)
            be = render_batch(&m, &ba, &b, &sql, &berr);
        if (!be)
            be = m.table_ready ? replace_batch(&m, &ba, &b, sql.ptr, &berr)
                               : create_batch(&m, sql.ptr, &berr);
        if (be && !m.table_ready && !create_failed)
            create_failed = xf_arena_strdup(&a, b.id);
        if (!be && !m.table_ready) {
            m.table_ready = true;
            xf_session_mark_existing(s, n->schema, n->alias, XF_REL_TABLE);
        }
        pthread_mutex_lock(&s->lock);
        struct xf_batch_result *br = &res[i];
        br->id = xf_arena_strdup(&s->arena, b.id);
        br->start = xf_arena_printf(&s->arena, "%sZ", st);
        br->end = xf_arena_printf(&s->arena, "%sZ", en);
        br->status = be ? XF_ST_ERROR : XF_ST_SUCCESS;
        br->message = be ? xf_arena_strndup(&s->arena, berr.ptr, berr.len) : NULL;
        br->execution_time = xf_now() - t0;
        pthread_mutex_unlock(&s->lock);
        if (be && !nfailed++)
            xf_buf_addf(&first_err, "batch %s: %s", b.id, berr.ptr);
        emit_batch(&m, i, nb, br);
        xf_buf_release(&sql);
        xf_buf_release(&berr);
        xf_arena_release(&ba);
    }
    r->batches = res;
    r->nbatches = nb = ran;
    if (!nfailed) {
        r->status = XF_ST_SUCCESS;
        pthread_mutex_lock(&s->lock);
        r->message = xf_arena_printf(&s->arena, "%zu batch%s", nb, nb == 1 ? "" : "es");
        pthread_mutex_unlock(&s->lock);
        e = 0;
    } else if (nfailed < nb) {
        r->status = XF_ST_PARTIAL_SUCCESS;
        pthread_mutex_lock(&s->lock);
        struct xf_buf ids = XF_BUF_INIT;
        for (size_t i = 0; i < nb; i++) {
            if (res[i].status != XF_ST_SUCCESS)
                xf_buf_addf(&ids, "%s%s", ids.len ? ", " : "", res[i].id);
        }
        r->message = xf_arena_printf(&s->arena,
                                     "%zu of %zu batches failed (%s; retry runs them "
                                     "again); the first: %s",
                                     nfailed, nb, ids.ptr, first_err.ptr);
        xf_buf_release(&ids);
        pthread_mutex_unlock(&s->lock);
        e = 0;
    } else {
        xf_buf_add(err, first_err.ptr, first_err.len);
        if (nb > 1 && create_failed)
            xf_buf_addf(err, " (the other %zu batches were not run: that batch creates the table)",
                        nb - 1);
        else if (nb > 1)
            xf_buf_addf(err, " (and every other batch of %zu failed)", nb);
        e = -1;
    }
    xf_buf_release(&first_err);
out:
    xf_arena_release(&a);
    return e < 0 ? -1 : 0;
}
