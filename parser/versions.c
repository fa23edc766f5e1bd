// SPDX-License-Identifier: MIT
/*
 * Model versions (`versions:` on a model's properties entry): each
 * version is a model of its own, read from `<name>_v<v>.sql` (or its
 * `defined_in`, or `<name>.sql` for the latest), named `<name>` with
 * version `<v>`, unique id `model.<project>.<name>.v<v>` and fqn ending in
 * `v<v>`. The entry's properties apply to every version, then the
 * version's own (config, columns with include/exclude, deprecation_date).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser/loader.h"

static const char *const version_keys[] = {"v",          "defined_in",  "description",      "docs",
                                           "access",     "constraints", "config",           "tests",
                                           "data_tests", "columns",     "deprecation_date", "group",
                                           "meta",       "tags"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A version identifier as text: 2 -> "2", 1.5 -> "1.5", "beta" -> "beta". */
static int version_text(struct xf_loader *l, const struct xf_ynode *v, const char *what,
                        const char **out)
{
    if (v->kind != XF_Y_SCALAR || xf_ynode_is_null(v)) {
        return xf_error(l->diags, v->loc, "'%s' must be a number or a string", what);
    }
    *out = xf_arena_strndup(l->a, v->str.p, v->str.len);
    return 0;
}

static bool numeric(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return *s && !*end;
}

/* dbt's default latest version: the greatest, numerically if every one is a number. */
static const char *greatest(const char *const *vs, size_t n)
{
    bool all_num = true;
    double d;
    for (size_t i = 0; i < n; i++)
        all_num = all_num && numeric(vs[i], &d);
    const char *best = vs[0];
    for (size_t i = 1; i < n; i++) {
        if (all_num) {
            double a, b;
            numeric(vs[i], &a);
            numeric(best, &b);
            if (a > b)
                best = vs[i];
        } else if (strcmp(vs[i], best) > 0) {
            best = vs[i];
        }
    }
    return best;
}

static bool same_version(const char *a, const char *b)
{
    double x, y;
    if (numeric(a, &x) && numeric(b, &y))
        return x == y;
    return !strcmp(a, b);
}

/* The version's own columns: include/exclude over the model's, then its own entries. */
static int version_columns(struct xf_loader *l, const struct xf_ynode *cols, struct xf_node *n,
                           const struct xf_version_hooks *h)
{
    if (!cols || xf_ynode_is_null(cols))
        return 0;
    if (cols->kind != XF_Y_SEQ)
        return xf_error(l->diags, cols->loc, "'columns' must be a list");
    const struct xf_ynode *include = NULL, *exclude = NULL;
    struct xf_ynode *own = XF_ANEW(l->a, struct xf_ynode);
    *own = *cols;
    own->items = XF_ANEWN(l->a, struct xf_ynode *, cols->n ? cols->n : 1);
    own->n = 0;
    for (size_t i = 0; i < cols->n; i++) {
        const struct xf_ynode *c = cols->items[i];
        const struct xf_ynode *inc = c->kind == XF_Y_MAP ? xf_ynode_get(c, "include") : NULL;
        const struct xf_ynode *exc = c->kind == XF_Y_MAP ? xf_ynode_get(c, "exclude") : NULL;
        if (inc || exc) {
            include = inc ? inc : include;
            exclude = exc ? exc : exclude;
        } else {
            own->items[own->n++] = cols->items[i];
        }
    }
    /* which of the model's columns stay */
    bool all = !include || (include->kind == XF_Y_SCALAR &&
                            (xf_str_eqc(include->str, "all") || xf_str_eqc(include->str, "*")));
    size_t keep = 0;
    for (size_t i = 0; i < n->columns.n; i++) {
        const char *name = n->columns.v[i].name;
        bool in = all;
        if (!all && include->kind == XF_Y_SEQ)
            for (size_t j = 0; j < include->n && !in; j++)
                in = xf_str_eqc(include->items[j]->str, name);
        if (in && exclude && exclude->kind == XF_Y_SEQ)
            for (size_t j = 0; j < exclude->n && in; j++)
                in = !xf_str_eqc(exclude->items[j]->str, name);
        if (in)
            n->columns.v[keep++] = n->columns.v[i];
    }
    n->columns.n = keep;
    size_t before = n->columns.n;
    if (own->n && h->columns(h->ctx, own, n) < 0)
        return -1;
    /* a version's own column replaces the model's of the same name */
    for (size_t i = before; i < n->columns.n; i++)
        for (size_t j = 0; j < before; j++)
            if (n->columns.v[j].name && !strcmp(n->columns.v[j].name, n->columns.v[i].name))
                n->columns.v[j].name = NULL;
    keep = 0;
    for (size_t i = 0; i < n->columns.n; i++)
        if (n->columns.v[i].name)
            n->columns.v[keep++] = n->columns.v[i];
    n->columns.n = keep;
    return 0;
}

/* Renames the file's node as version v of `name`. */
static void make_version(struct xf_loader *l, struct xf_node *n, const char *name, const char *v,
                         const char *latest)
{
    void **slot = xf_map_slot(&l->p->by_unique_id, xf_str_c(n->unique_id), &(bool){0});
    *slot = NULL;
    n->name = name;
    n->version = v;
    n->latest_version = latest;
    n->unique_id = xf_arena_printf(l->a, "%s.%s.v%s", l->u->uid_prefix[XF_RES_MODEL], name, v);
    xf_map_put(&l->p->by_unique_id, xf_str_c(n->unique_id), n);
    if (n->fqn.t == XF_V_LIST && n->fqn.u.l->n) {
        n->fqn.u.l->items[n->fqn.u.l->n - 1] = xf_v_strc(name);
        xf_list_push(l->a, n->fqn.u.l, xf_v_strc(xf_arena_printf(l->a, "v%s", v)));
        /* dbt_project.yml paths name the version's fqn (models: p: dim: / v1:) */
        n->config = xf_loader_resolve_config(l, XF_RES_MODEL, &n->fqn);
        xf_loader_sync_node(l, n);
    }
}

int xf_loader_versions(struct xf_loader *l, const struct xf_ynode *e, const struct xf_ynode *name,
                       const struct xf_version_hooks *h)
{
    const struct xf_ynode *list = xf_ynode_get(e, "versions");
    const char *model = xf_arena_strndup(l->a, name->str.p, name->str.len);
    if (list->kind != XF_Y_SEQ || !list->n) {
        struct xf_diag *g =
            xf_diag_add(l->diags, XF_SEV_ERROR, list->loc, "'versions' must be a non-empty list");
        xf_diag_hint(g, "for example 'versions: [{v: 1}, {v: 2}]'");
        return -1;
    }
    XF_VEC(const char *) vs = {0};
    int err = 0;
    for (size_t i = 0; i < list->n; i++) {
        const struct xf_ynode *it = list->items[i];
        const struct xf_ynode *v = it->kind == XF_Y_MAP ? xf_ynode_get(it, "v") : NULL;
        const char *t = NULL;
        if (!v) {
            struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, it->loc,
                                            "a version of model '%s' needs a 'v'", model);
            xf_diag_hint(g, "for example '- v: 2'");
            err = -1;
        } else if (version_text(l, v, "v", &t) < 0) {
            err = -1;
        } else {
            for (size_t j = 0; j < vs.n; j++)
                if (vs.v[j] && same_version(vs.v[j], t)) {
                    xf_error(l->diags, v->loc, "version %s of model '%s' is listed twice", t,
                             model);
                    err = -1;
                }
            for (size_t k = 0; k < it->n; k++)
                if (it->keys[k]->kind == XF_Y_SCALAR) {
                    bool known = false;
                    for (size_t j = 0; j < N(version_keys); j++)
                        known = known || xf_str_eqc(it->keys[k]->str, version_keys[j]);
                    if (!known)
                        xf_loader_unknown_key(l, it->keys[k], "a version", version_keys,
                                              N(version_keys));
                }
        }
        xf_vec_push(&vs, t);
    }
    if (err) {
        xf_vec_release(&vs);
        return -1;
    }
    const char *latest = greatest(vs.v, vs.n);
    const struct xf_ynode *lv = xf_ynode_get(e, "latest_version");
    if (lv && !xf_ynode_is_null(lv)) {
        const char *want = NULL; /* set by version_text unless it fails */
        if (version_text(l, lv, "latest_version", &want) < 0) {
            xf_vec_release(&vs);
            return -1;
        }
        latest = NULL;
        for (size_t j = 0; j < vs.n && !latest; j++)
            if (same_version(vs.v[j], want))
                latest = vs.v[j];
        if (!latest) {
            const char *s = xf_str_suggest(lv->str, vs.v, vs.n);
            struct xf_diag *g =
                xf_diag_add(l->diags, XF_SEV_ERROR, lv->loc,
                            "latest_version %s of model '%s' is not one of its versions%s%s%s",
                            want, model, s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
            xf_diag_hint(g, "list it under 'versions:' ('- v: %s'), or name a listed version",
                         want);
            xf_vec_release(&vs);
            return -1;
        }
    }
    const struct xf_ynode *dep = xf_ynode_get(e, "deprecation_date");
    for (size_t i = 0; i < list->n; i++) {
        const struct xf_ynode *it = list->items[i];
        const char *v = vs.v[i];
        const struct xf_ynode *din = xf_ynode_get(it, "defined_in");
        const char *file = NULL;
        if (din && xf_loader_want_str(l, din, "defined_in", &file) < 0) {
            err = -1;
            continue;
        }
        if (!file)
            file = xf_arena_printf(l->a, "%s_v%s", model, v);
        struct xf_node *n = xf_map_getc(&l->u->names[XF_RES_MODEL], file);
        if (!n && !din && !strcmp(v, latest))
            n = xf_map_getc(&l->u->names[XF_RES_MODEL], model); /* the unsuffixed file */
        if (!n || n->type != XF_RES_MODEL || n->version) {
            struct xf_diag *g =
                xf_diag_add(l->diags, XF_SEV_ERROR, xf_ynode_get(it, "v")->loc,
                            "version %s of model '%s' has no model file '%s.sql'", v, model, file);
            xf_diag_hint(g, "add %s.sql%s, or name its file with 'defined_in'", file,
                         !strcmp(v, latest) ? xf_arena_printf(l->a, " (or %s.sql)", model) : "");
            err = -1;
            continue;
        }
        make_version(l, n, model, v, latest);
        n->version_loc = xf_ynode_get(it, "v")->loc;
        err |= h->apply(h->ctx, e, n);
        /* the version's own properties, over the model's */
        const struct xf_ynode *vd = xf_ynode_get(it, "deprecation_date");
        const struct xf_ynode *d = vd ? vd : dep;
        if (d && !xf_ynode_is_null(d))
            err |= xf_loader_want_str(l, d, "deprecation_date", &n->deprecation_date);
        const struct xf_ynode *cfg = xf_ynode_get(it, "config");
        if (cfg && cfg->kind == XF_Y_MAP)
            xf_loader_config_merge_ynode(l, n->config.u.d, cfg);
        for (size_t k = 0; k < it->n; k++)
            if (xf_str_eqc(it->keys[k]->str, "access") || xf_str_eqc(it->keys[k]->str, "group"))
                err |= xf_loader_access_prop(l, it->keys[k], it->items[k], n);
        const struct xf_ynode *desc = xf_ynode_get(it, "description");
        if (desc && desc->kind == XF_Y_SCALAR && !xf_ynode_is_null(desc))
            n->description = desc->str.p;
        err |= version_columns(l, xf_ynode_get(it, "columns"), n, h);
        const struct xf_ynode *tests = xf_ynode_get(it, "data_tests");
        if (!tests)
            tests = xf_ynode_get(it, "tests");
        if (tests)
            err |= h->tests(h->ctx, tests, n);
        xf_loader_sync_node(l, n);
    }
    xf_vec_release(&vs);
    return err ? -1 : 0;
}
