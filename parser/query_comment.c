// SPDX-License-Identifier: MIT
/*
 * The project file's `query-comment:` (dbt's): a Jinja string, null or ''
 * for none, or a mapping {comment, append, job-label}. Kept as written:
 * the engine renders it for each node (docs/materializations.md,
 * "Postgres extras").
 */
#include <string.h>

#include "parser/loader.h"
#include "parser/yaml.h"

static int want_bool(struct xf_loader *l, const struct xf_ynode *n, const char *what, bool *out)
{
    if (n->kind == XF_Y_SCALAR && !n->quoted) {
        if (xf_str_eqc(n->str, "true") || xf_str_eqc(n->str, "True")) {
            *out = true;
            return 0;
        }
        if (xf_str_eqc(n->str, "false") || xf_str_eqc(n->str, "False")) {
            *out = false;
            return 0;
        }
    }
    return xf_error(l->diags, n->loc, "'%s' of 'query-comment' must be true or false", what);
}

/* The comment text: a string, or null / '' for no comment at all. */
static int comment_text(struct xf_loader *l, const struct xf_ynode *n)
{
    struct xf_project *p = l->p;
    p->query_comment_loc = n->loc;
    if (xf_ynode_is_null(n) || (n->kind == XF_Y_SCALAR && n->str.len == 0)) {
        p->query_comment_off = true;
        return 0;
    }
    if (n->kind != XF_Y_SCALAR) {
        struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, n->loc,
                                        "'query-comment' must be a string, null or a mapping");
        xf_diag_hint(g, "write query-comment: 'run by {{ target.name }}', or "
                        "query-comment: {comment: '...', append: true}");
        return -1;
    }
    p->query_comment = xf_arena_strdups(l->a, n->str);
    return 0;
}

int xf_loader_query_comment(struct xf_loader *l, const struct xf_ynode *n)
{
    if (!n)
        return 0;
    if (n->kind != XF_Y_MAP)
        return comment_text(l, n);
    static const char *const keys[] = {"comment", "append", "job-label"};
    if (xf_loader_strict_keys(l, n, "'query-comment'", keys, 3) < 0)
        return -1;
    const struct xf_ynode *c = xf_ynode_get(n, "comment");
    if (c && comment_text(l, c) < 0)
        return -1;
    const struct xf_ynode *a = xf_ynode_get(n, "append");
    if (a && want_bool(l, a, "append", &l->p->query_comment_append) < 0)
        return -1;
    const struct xf_ynode *j = xf_ynode_get(n, "job-label");
    bool label = false;
    if (j && want_bool(l, j, "job-label", &label) < 0)
        return -1;
    if (label) {
        /* BigQuery's: the comment's keys as job labels; no warehouse here has jobs */
        struct xf_diag *g =
            xf_diag_add(l->diags, XF_SEV_WARNING, j->loc,
                        "'job-label' of 'query-comment' does nothing on %s (BigQuery's job "
                        "labels): the comment is sent as a comment only",
                        l->p->target.type ? l->p->target.type : "this warehouse");
        xf_diag_hint(g, "remove 'job-label: true'");
    }
    return 0;
}
