// SPDX-License-Identifier: MIT
/*
 * `source freshness`: for each selected source table with a freshness
 * policy and a loaded_at_field, one query for max(loaded_at_field); the
 * age is compared with warn_after / error_after in C, so the check does
 * not depend on each warehouse's date arithmetic. The queries only read:
 * they run on the target's threads, each with its own connection (a read
 * connection where the adapter makes them); lines print as checks finish,
 * results keep the project's order.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/internal.h"

static long period_seconds(struct xf_str p)
{
    if (xf_str_eqc(p, "minute"))
        return 60;
    if (xf_str_eqc(p, "hour"))
        return 3600;
    if (xf_str_eqc(p, "day"))
        return 86400;
    return -1;
}

/* Seconds of a {count, period} threshold; 0 when absent, -1 when malformed. */
static double threshold(const struct xf_value *fresh, const char *key)
{
    const struct xf_value *t =
        fresh && fresh->t == XF_V_DICT ? xf_dict_getc(fresh->u.d, key) : NULL;
    if (!t || t->t != XF_V_DICT)
        return 0;
    const struct xf_value *c = xf_dict_getc(t->u.d, "count");
    const struct xf_value *p = xf_dict_getc(t->u.d, "period");
    if (!c || c->t == XF_V_NONE)
        return 0;
    if (c->t != XF_V_INT || !p || p->t != XF_V_STR || period_seconds(p->u.s) < 0)
        return -1;
    return (double)c->u.i * (double)period_seconds(p->u.s);
}

/* Parses "YYYY-MM-DD[ T]HH:MM:SS[.frac][Z|±HH[:MM]]" as UTC; -1 when it is not one. */
static double parse_ts(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int y, mo, d, h = 0, mi = 0, n = 0;
    double sec = 0;
    if (sscanf(s, "%d-%d-%d%n", &y, &mo, &d, &n) != 3)
        return -1;
    const char *p = s + n;
    if (*p == ' ' || *p == 'T') {
        int m2 = 0;
        if (sscanf(p + 1, "%d:%d:%lf%n", &h, &mi, &sec, &m2) < 2)
            return -1;
        p += 1 + m2;
    }
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    double t = (double)timegm(&tm) + sec;
    if (*p == '+' || *p == '-') {
        int oh = 0, om = 0;
        if (sscanf(p + 1, "%d:%d", &oh, &om) < 1)
            return -1;
        if (oh > 99) { /* +0530 */
            om = oh % 100;
            oh /= 100;
        }
        double off = oh * 3600.0 + om * 60.0;
        t += *p == '+' ? -off : off;
    }
    return t;
}

static void iso(char *out, size_t n, double t)
{
    time_t s = (time_t)t;
    struct tm tm;
    gmtime_r(&s, &tm);
    char b[32];
    strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, n, "%s.%06dZ", b, (int)((t - (double)s) * 1e6));
}

static void check_one(struct xf_arena *keep, struct xf_conn *c, struct xf_freshness *f)
{
    const struct xf_node *n = f->source;
    f->started = xf_now();
    const char *filter = NULL;
    const struct xf_value *fv =
        n->freshness.t == XF_V_DICT ? xf_dict_getc(n->freshness.u.d, "filter") : NULL;
    if (fv && fv->t == XF_V_STR)
        filter = xf_arena_strdups(keep, fv->u.s);
    double warn = threshold(&n->freshness, "warn_after");
    double error = threshold(&n->freshness, "error_after");
    struct xf_buf sql = XF_BUF_INIT, err = XF_BUF_INIT;
    if (warn < 0 || error < 0) {
        f->status = XF_ST_RUNTIME_ERROR;
        f->error = "freshness needs warn_after/error_after as {count: N, period: minute|hour|day}";
        goto done;
    }
    xf_buf_adds(&sql, "select max(");
    c->ops->quote(&sql, n->loaded_at_field);
    xf_buf_adds(&sql, ") from ");
    struct xf_relation rel = {n->database, n->schema, n->identifier ? n->identifier : n->name};
    c->ops->render_relation(&sql, &rel);
    if (filter)
        xf_buf_addf(&sql, " where %s", filter);
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_result res;
    memset(&res, 0, sizeof res);
    int e = c->ops->query(c, sql.ptr, &a, &res, &err);
    double now = xf_now();
    iso(f->snapshotted_at, sizeof f->snapshotted_at, now);
    if (e < 0) {
        f->status = XF_ST_RUNTIME_ERROR;
        f->error = xf_arena_strdup(keep, err.ptr);
    } else if (!res.nrows || res.cells[0].t == XF_V_NONE) {
        f->status = XF_ST_RUNTIME_ERROR;
        f->error = "the source has no rows with a loaded_at_field value";
    } else {
        struct xf_buf v = XF_BUF_INIT;
        xf_value_str(&v, &res.cells[0]);
        double t = parse_ts(v.ptr);
        if (t < 0) {
            f->status = XF_ST_RUNTIME_ERROR;
            f->error = xf_arena_printf(keep, "max(%s) is '%s', which is not a timestamp",
                                       n->loaded_at_field, v.ptr);
        } else {
            iso(f->max_loaded_at, sizeof f->max_loaded_at, t);
            f->age = now - t;
            if (error > 0 && f->age > error)
                f->status = XF_ST_ERROR;
            else if (warn > 0 && f->age > warn)
                f->status = XF_ST_WARN;
            else
                f->status = XF_ST_PASS;
        }
        xf_buf_release(&v);
    }
    xf_arena_release(&a);
done:
    f->completed = xf_now();
    xf_buf_release(&sql);
    xf_buf_release(&err);
}

/* The checks shared by the workers: the next one to take, under s->lock. */
struct fwork {
    struct xf_session *s;
    const struct xf_events *ev;
    struct xf_freshness *res;
    size_t n, next, done;
};

struct fworker {
    struct fwork *w;
    struct xf_conn *conn;
    struct xf_arena keep;
    pthread_t th;
};

static void *fworker_main(void *arg)
{
    struct fworker *me = arg;
    struct fwork *w = me->w;
    struct xf_session *s = w->s;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        size_t k = w->next < w->n ? w->next++ : w->n;
        if (k < w->n && w->ev && w->ev->node_start)
            w->ev->node_start(w->ev->user, k + 1, w->n, w->res[k].source);
        pthread_mutex_unlock(&s->lock);
        if (k >= w->n)
            break;
        struct xf_freshness *f = &w->res[k];
        check_one(&me->keep, me->conn, f);
        pthread_mutex_lock(&s->lock);
        w->done++;
        if (w->ev && w->ev->freshness_done)
            w->ev->freshness_done(w->ev->user, k + 1, w->n, f);
        pthread_mutex_unlock(&s->lock);
    }
    return NULL;
}

int xf_session_freshness(struct xf_session *s, const bool *selected, const struct xf_events *ev,
                         struct xf_freshness **out, size_t *nout)
{
    struct xf_graph *g = &s->g;
    size_t cap = 0;
    for (size_t i = 0; i < g->n; i++) {
        const struct xf_node *n = g->all[i];
        if (selected[i] && n->type == XF_RES_SOURCE && n->loaded_at_field &&
            n->freshness.t == XF_V_DICT)
            cap++;
    }
    struct xf_freshness *res = xf_calloc(cap + 1, sizeof *res);
    *out = res;
    *nout = 0;
    if (!cap)
        return 0;
    for (size_t i = 0; i < g->n; i++) {
        const struct xf_node *n = g->all[i];
        if (selected[i] && n->type == XF_RES_SOURCE && n->loaded_at_field &&
            n->freshness.t == XF_V_DICT)
            res[(*nout)++].source = n;
    }
    int threads = s->p->target.threads > 1 ? s->p->target.threads : 1;
    if ((size_t)threads > cap)
        threads = (int)cap;
    struct fworker *ws = xf_calloc((size_t)threads, sizeof *ws);
    struct fwork w = {.s = s, .ev = ev, .res = res, .n = cap};
    struct xf_buf err = XF_BUF_INIT;
    int rc = 0;
    for (int t = 0; t < threads; t++) {
        ws[t].w = &w;
        xf_arena_init(&ws[t].keep);
        if (s->ops->connect(&ws[t].conn, &s->p->target, s->p->root, &err) < 0) {
            struct xf_diag *d =
                xf_diag_add(s->diags, XF_SEV_ERROR, XF_NOLOC,
                            "could not connect to the %s target: %s", s->ops->name, err.ptr);
            xf_diag_hint(d, "check the profile's connection settings (xform debug shows them)");
            ws[t].conn = NULL;
            rc = -1;
            goto out;
        }
        if (xf_extras_conn(s, ws[t].conn, &err) < 0) { /* the query comment */
            xf_error(s->diags, s->p->query_comment_loc, "%s", err.ptr);
            rc = -1;
            goto out;
        }
        /* a read connection where the adapter has them (SQLite: query_only) */
        xf_buf_reset(&err);
        if (t > 0 && s->ops->make_reader && s->ops->make_reader(ws[t].conn, &err) < 0) {
            xf_error(s->diags, XF_NOLOC, "could not open a read connection: %s", err.ptr);
            rc = -1;
            goto out;
        }
    }
    if (ev && ev->begin)
        ev->begin(ev->user, cap, threads);
    for (int t = 1; t < threads; t++) {
        if (pthread_create(&ws[t].th, NULL, fworker_main, &ws[t]) != 0) {
            /* fewer workers do the work */
            s->ops->disconnect(ws[t].conn);
            ws[t].conn = NULL;
        }
    }
    fworker_main(&ws[0]);
    for (int t = 1; t < threads; t++)
        if (ws[t].conn)
            pthread_join(ws[t].th, NULL);
    for (size_t k = 0; k < cap; k++)
        if (res[k].status != XF_ST_PASS && res[k].status != XF_ST_WARN)
            rc = 1;
out:
    for (int t = 0; t < threads; t++) {
        if (ws[t].conn)
            s->ops->disconnect(ws[t].conn);
        if (ws[t].keep.head)
            xf_vec_push(&s->keeps, ws[t].keep);
    }
    if (rc < 0)
        *nout = 0;
    xf_buf_release(&err);
    free(ws);
    return rc;
}
