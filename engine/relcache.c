// SPDX-License-Identifier: MIT
/*
 * What the engine knows of the warehouse while it runs: the cache of the
 * relations that exist (listed once per schema, then kept up to date as
 * nodes are built) and the live connections (one per worker, registered
 * so that a signal can cancel their queries). Builders, natives and the
 * scheduler all come here; this file calls none of them.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine/internal.h"

static char *existing_key(struct xf_arena *a, const char *schema, const char *identifier)
{
    return xf_arena_printf(a, "%s\x1f%s", schema ? schema : "", identifier);
}

enum xf_relkind xf_session_existing(struct xf_session *s, const char *schema,
                                    const char *identifier)
{
    char key[512];
    snprintf(key, sizeof key, "%s\x1f%s", schema ? schema : "", identifier);
    pthread_mutex_lock(&s->lock);
    uintptr_t v = (uintptr_t)xf_map_getc(&s->existing, key);
    pthread_mutex_unlock(&s->lock);
    return v ? (enum xf_relkind)(v - 1) : XF_REL_NONE;
}

void xf_session_mark_existing(struct xf_session *s, const char *schema, const char *identifier,
                              enum xf_relkind kind)
{
    pthread_mutex_lock(&s->lock);
    char *key = existing_key(&s->arena, schema, identifier);
    xf_map_put(&s->existing, xf_str_c(key), (void *)(uintptr_t)(kind + 1));
    pthread_mutex_unlock(&s->lock);
}

/* One query per schema: which relations exist already. */
int xf_relcache_load(struct xf_session *s, struct xf_conn *c, struct xf_buf *err)
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
    if (rc == 0)
        atomic_store(&s->existing_ready, true);
    return rc;
}

/* Connects and registers the connection (for cancel); the message in err. */
int xf_relcache_connect(struct xf_session *s, struct xf_conn **out, struct xf_buf *err)
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

int xf_relcache_connect_or_report(struct xf_session *s, struct xf_conn **out)
{
    struct xf_buf err = XF_BUF_INIT;
    int e = xf_relcache_connect(s, out, &err);
    if (e < 0) {
        struct xf_diag *g = xf_diag_add(s->diags, XF_SEV_ERROR, XF_NOLOC, "%s", err.ptr);
        xf_diag_hint(g, "check the profile's connection settings (xform debug shows them)");
    }
    xf_buf_release(&err);
    return e;
}

void xf_relcache_disconnect(struct xf_session *s, struct xf_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&s->lock);
    for (size_t k = 0; k < s->conns.n; k++) {
        if (s->conns.v[k] == c) {
            s->conns.v[k] = s->conns.v[--s->conns.n];
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    c->ops->disconnect(c);
}

struct xf_conn *xf_rctx_conn(struct xf_rctx *rc, struct xf_buf *err)
{
    if (!rc->execute)
        return NULL;
    struct xf_session *s = rc->s;
    atomic_store(&s->asked_db, true); /* its answer can change with no file changing */
    if (!rc->conn && rc->lazy) {
        if (atomic_load(&s->lazy_failed)) {
            xf_buf_adds(err, "the database is not reachable");
            rc->quiet = true; /* said once, by the first render that asked */
            return NULL;
        }
        if (!*rc->lazy && xf_relcache_connect(s, rc->lazy, err) < 0) {
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
            e = xf_relcache_load(s, c, err);
        }
        pthread_mutex_unlock(&s->lazy_lock);
        if (e < 0)
            return -1;
    }
    *out = xf_session_existing(s, schema, identifier);
    return 0;
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
    /* also after a failed open (debug), once the target was read */
    const struct xf_adapter_ops *ops = s->ops;
    if (!ops && s->p && s->p->target.loaded)
        ops = xf_adapter_find(s->p->target.type);
    if (!ops) {
        xf_buf_adds(err, "no target was read, so there is nothing to connect to");
        return -1;
    }
    if (ops->check)
        return ops->check(&s->p->target, s->p->root, note, err) < 0 ? -1 : 0;
    struct xf_conn *c;
    int e = ops->connect(&c, &s->p->target, s->p->root, err);
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
