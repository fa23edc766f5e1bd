// SPDX-License-Identifier: MIT
/*
 * `show`: compile one node (or an inline query) in execute mode and
 * fetch its first rows, without building anything.
 */
#include <stdio.h>
#include <string.h>

#include "engine/internal.h"

int xf_session_show(struct xf_session *s, const char *name, const char *inline_sql, long limit,
                    struct xf_arena *a, struct xf_result *out, struct xf_buf *compiled)
{
    struct xf_node *n = NULL;
    if (name) {
        n = xf_map_getc(&s->refable, name);
        if (!n) {
            for (size_t i = 0; i < s->p->nodes.n && !n; i++) {
                if (!strcmp(s->p->nodes.v[i]->name, name))
                    n = s->p->nodes.v[i];
            }
        }
        if (!n || !(n->tmpl || n->decl))
            return xf_error(s->diags, XF_NOLOC, "no model, test or analysis named '%s' to show",
                            name);
    }
    struct xf_conn *c;
    struct xf_buf err = XF_BUF_INIT;
    if (s->ops->connect(&c, &s->p->target, s->p->root, &err) < 0) {
        xf_error(s->diags, XF_NOLOC, "could not connect to the %s target: %s", s->ops->name,
                 err.ptr);
        xf_buf_release(&err);
        return -1;
    }
    if (xf_extras_conn(s, c, &err) < 0) { /* the query comment */
        xf_error(s->diags, s->p->query_comment_loc, "%s", err.ptr);
        xf_buf_release(&err);
        s->ops->disconnect(c);
        return -1;
    }
    struct xf_rctx rc = {.s = s, .node = n, .execute = true, .conn = c, .arena = a};
    struct xf_render_env env;
    xf_context_env(&env, &rc);
    struct xf_buf sql = XF_BUF_INIT;
    int e;
    if (n && n->decl) {
        e = xf_tests_render(s, &rc, &sql);
    } else if (n) {
        e = xf_render_template(&sql, n->tmpl, &env);
    } else {
        struct xf_source *src = XF_ANEW(a, struct xf_source);
        src->path = "<inline>";
        src->text = inline_sql;
        src->len = strlen(inline_sql);
        const struct xf_tmpl *t;
        e = xf_tmpl_parse(&t, a, src, 0, src->len, s->diags);
        if (!e)
            e = xf_render_template(&sql, t, &env);
    }
    if (!e) {
        xf_inject_ctes(compiled, sql.ptr, rc.ctes);
        struct xf_buf q = XF_BUF_INIT;
        xf_buf_addf(&q, "select * from (\n%s\n) xform_show limit %ld", compiled->ptr, limit);
        e = c->ops->query(c, q.ptr, a, out, &err);
        if (e < 0)
            xf_error(s->diags, XF_NOLOC, "the query of '%s' failed: %s", name ? name : "<inline>",
                     err.ptr);
        xf_buf_release(&q);
    }
    c->ops->disconnect(c);
    xf_buf_release(&sql);
    xf_buf_release(&err);
    return e < 0 ? -1 : 0;
}

int xf_session_compile_inline(struct xf_session *s, const char *inline_sql, struct xf_arena *a,
                               struct xf_buf *compiled)
{
    struct xf_conn *lazy = NULL; /* connected only when the template asks the database */
    struct xf_rctx rc = {.s = s, .execute = true, .lazy = &lazy, .arena = a};
    struct xf_render_env env;
    xf_context_env(&env, &rc);
    env.what = "inline node";
    struct xf_source *src = XF_ANEW(a, struct xf_source);
    src->path = "<inline>";
    src->text = inline_sql;
    src->len = strlen(inline_sql);
    const struct xf_tmpl *t;
    struct xf_buf sql = XF_BUF_INIT;
    int e = xf_tmpl_parse(&t, a, src, 0, src->len, s->diags);
    if (!e)
        e = xf_render_template(&sql, t, &env);
    if (!e)
        xf_inject_ctes(compiled, sql.ptr, rc.ctes);
    xf_relcache_disconnect(s, lazy);
    xf_buf_release(&sql);
    return e < 0 ? -1 : 0;
}

int xf_session_select_ids(struct xf_session *s, const char *const *ids, size_t n, bool *out)
{
    for (size_t i = 0; i < n; i++) {
        struct xf_node *nd = xf_project_find(s->p, ids[i]);
        if (nd && nd->type != XF_RES_SOURCE)
            out[nd->index] = true;
    }
    return 0;
}
