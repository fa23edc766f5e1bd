// SPDX-License-Identifier: MIT
/*
 * Properties files (`version: 2` .yml): descriptions, columns, configs and
 * test declarations for models, seeds, snapshots and analyses; sources and
 * their tables (which become source nodes); macro descriptions. Text that
 * may hold Jinja (descriptions, test arguments) is kept raw for the engine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser/features.h"
#include "parser/loader.h"
#include "util/path.h"

struct yfile {
    struct xf_loader *l;
    const struct xf_source *src;
    const char *display;    /* models/schema.yml */
    const char *rel;        /* schema.yml, relative to its resource path */
    const char *patch_path; /* shop://models/schema.yml */
    const char *ofp;        /* relative to its project (display less a package's folder) */
    bool quiet;             /* a second version of one entry: its keys were checked already */
};

static const char *const column_keys[] = {
    "name",  "description", "data_type",   "quote",  "meta",        "tags",
    "tests", "data_tests",  "constraints", "config", "policy_tags", "granularity",
};

static const char *const source_keys[] = {
    "name",      "description",     "database", "schema",     "loader", "loaded_at_field",
    "freshness", "quoting",         "meta",     "tags",       "config", "tables",
    "overrides", "loaded_at_query", "catalog",  "event_time",
};

static const char *const table_keys[] = {
    "name",
    "identifier",
    "description",
    "columns",
    "loaded_at_field",
    "freshness",
    "quoting",
    "meta",
    "tags",
    "tests",
    "data_tests",
    "config",
    "external",
    "loaded_at_query",
    "event_time",
};

static const char *const macro_keys[] = {"name", "description", "arguments", "docs", "meta"};

/* Test settings that dbt reads as config when written next to the arguments. */
static const char *const test_config_keys[] = {
    "severity",          "tags",     "where",     "limit",
    "warn_if",           "error_if", "fail_calc", "store_failures",
    "store_failures_as", "enabled",  "meta",      "alias",
    "database",          "schema",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static bool in_list(struct xf_str s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (xf_str_eqc(s, list[i]))
            return true;
    return false;
}

static bool is_null(struct xf_loader *l, const struct xf_ynode *n)
{
    return xf_ynode_is_null(n);
}

static void check_keys(struct yfile *f, const struct xf_ynode *map, const char *where,
                       const char *const *known, size_t n)
{
    for (size_t i = 0; i < map->n; i++) {
        const struct xf_ynode *k = map->keys[i];
        if (k->kind == XF_Y_SCALAR && !in_list(k->str, known, n))
            xf_loader_unknown_key(f->l, k, where, known, n);
    }
}

static int want_map(struct yfile *f, const struct xf_ynode *n, const char *what)
{
    if (n->kind != XF_Y_MAP)
        return xf_error(f->l->diags, n->loc, "'%s' must be a mapping", what);
    return 0;
}

static int want_seq(struct yfile *f, const struct xf_ynode *n, const char *what)
{
    if (n->kind != XF_Y_SEQ)
        return xf_error(f->l->diags, n->loc, "'%s' must be a list", what);
    return 0;
}

/* description: a string (null is empty) */
static int description(struct yfile *f, const struct xf_ynode *n, const char **out,
                       struct xf_loc *loc)
{
    if (is_null(f->l, n)) {
        *out = "";
        return 0;
    }
    if (n->kind != XF_Y_SCALAR)
        return xf_error(f->l->diags, n->loc, "'description' must be a string");
    *out = n->str.p;
    if (loc)
        *loc = n->loc;
    return 0;
}

static struct xf_value tags_value(struct yfile *f, const struct xf_ynode *n, int *err)
{
    struct xf_value v = xf_ynode_value(f->l->a, n);
    if (v.t == XF_V_STR) {
        struct xf_value l = xf_v_list(f->l->a, 1);
        xf_list_push(f->l->a, l.u.l, v);
        return l;
    }
    if (v.t == XF_V_NONE)
        return xf_v_list(f->l->a, 0);
    if (v.t != XF_V_LIST) {
        *err = xf_error(f->l->diags, n->loc, "'tags' must be a string or a list of strings");
        return xf_v_list(f->l->a, 0);
    }
    for (size_t i = 0; i < v.u.l->n; i++) {
        if (v.u.l->items[i].t != XF_V_STR) {
            *err = xf_error(f->l->diags, n->items[i]->loc, "tags must be strings");
            return xf_v_list(f->l->a, 0);
        }
    }
    return v;
}

/* ---- tests ---- */

static int test_decl(struct yfile *f, const struct xf_ynode *item, const char *column,
                     struct xf_node *out)
{
    struct xf_loader *l = f->l;
    struct xf_test_decl d = {0};
    d.column = column;
    d.kwargs = xf_v_dict(l->a, 2);
    d.config = xf_v_dict(l->a, 0);
    d.loc = item->loc;
    const struct xf_ynode *args = NULL;
    if (item->kind == XF_Y_SCALAR) {
        d.test_name = item->str.p;
    } else if (item->kind == XF_Y_MAP && item->n == 1 && item->keys[0]->kind == XF_Y_SCALAR) {
        d.test_name = item->keys[0]->str.p;
        d.loc = item->keys[0]->loc;
        args = item->items[0];
    } else if (item->kind == XF_Y_MAP && xf_ynode_get(item, "test_name")) {
        const struct xf_ynode *tn = xf_ynode_get(item, "test_name");
        if (xf_loader_want_str(l, tn, "test_name", &d.test_name) < 0)
            return -1;
        d.loc = tn->loc;
        args = item;
    } else {
        struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, item->loc,
                                        "a test must be a name or a mapping of the test's name "
                                        "to its arguments");
        xf_diag_hint(g, "for example '- unique' or '- accepted_values: {values: [a, b]}'");
        return -1;
    }
    if (!*d.test_name)
        return xf_error(l->diags, item->loc, "a test needs a name");
    if (args && !is_null(l, args)) {
        if (args->kind != XF_Y_MAP)
            return xf_error(l->diags, args->loc,
                            "the arguments of test '%s' must be a mapping of names to values",
                            d.test_name);
        for (size_t i = 0; i < args->n; i++) {
            const struct xf_ynode *k = args->keys[i], *v = args->items[i];
            if (k->kind != XF_Y_SCALAR)
                continue;
            if (args == item && xf_str_eqc(k->str, "test_name"))
                continue;
            if (xf_str_eqc(k->str, "config")) {
                if (want_map(f, v, "config") < 0)
                    return -1;
                xf_loader_config_merge_ynode(l, d.config.u.d, v);
            } else if (xf_str_eqc(k->str, "arguments")) {
                if (want_map(f, v, "arguments") < 0)
                    return -1;
                for (size_t j = 0; j < v->n; j++)
                    if (v->keys[j]->kind == XF_Y_SCALAR)
                        xf_dict_set(l->a, d.kwargs.u.d, v->keys[j]->str,
                                    xf_ynode_value(l->a, v->items[j]));
            } else if (xf_str_eqc(k->str, "name")) {
                /* also kept as an argument, where dbt has it */
                if (xf_loader_want_str(l, v, "name", &d.custom_name) < 0)
                    return -1;
                xf_dict_set(l->a, d.kwargs.u.d, k->str, xf_v_strc(d.custom_name));
            } else if (xf_str_eqc(k->str, "description")) {
                /* documentation only */
            } else if (in_list(k->str, test_config_keys, N(test_config_keys))) {
                xf_loader_config_merge1(l->a, d.config.u.d, k->str, xf_ynode_value(l->a, v));
            } else {
                xf_dict_set(l->a, d.kwargs.u.d, k->str, xf_ynode_value(l->a, v));
            }
        }
    }
    xf_avec_push(l->a, &out->tests, d);
    return 0;
}

/*
 * Room for exactly `need` items: a vector's first growth makes room for
 * four, and 10,000 models with one column and three tests each kept
 * 5 MB of it unused.
 */
static void reserve_exact(struct xf_arena *a, void **v, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return;
    *v = xf_arena_grow(a, *v, *cap * elem, need * elem);
    *cap = need;
}

static int tests_list(struct yfile *f, const struct xf_ynode *n, const char *column,
                      struct xf_node *out)
{
    if (is_null(f->l, n))
        return 0;
    if (want_seq(f, n, "tests") < 0)
        return -1;
    int err = 0;
    reserve_exact(f->l->a, (void **)&out->tests.v, &out->tests.cap, out->tests.n + n->n,
                  sizeof *out->tests.v);
    for (size_t i = 0; i < n->n; i++)
        err |= test_decl(f, n->items[i], column, out);
    return err ? -1 : 0;
}

/* ---- columns ---- */

static int column_constraints(struct xf_loader *l, const struct xf_ynode *v, struct xf_node *node,
                              struct xf_column *col)
{
    if (is_null(l, v))
        return 0;
    if (v->kind != XF_Y_SEQ)
        return xf_error(l->diags, v->loc, "'constraints' must be a list");
    int err = 0;
    for (size_t i = 0; i < v->n; i++) {
        struct xf_constraint c;
        if (xf_loader_constraint(l, v->items[i], false, node, &c) < 0)
            err = -1;
        else
            xf_avec_push(l->a, &col->constraints, c);
    }
    return err;
}

static int columns(struct yfile *f, const struct xf_ynode *n, struct xf_node *node)
{
    struct xf_loader *l = f->l;
    if (is_null(l, n))
        return 0;
    if (want_seq(f, n, "columns") < 0)
        return -1;
    int err = 0;
    reserve_exact(l->a, (void **)&node->columns.v, &node->columns.cap, node->columns.n + n->n,
                  sizeof *node->columns.v);
    for (size_t i = 0; i < n->n; i++) {
        const struct xf_ynode *c = n->items[i];
        if (want_map(f, c, "columns") < 0) {
            err = -1;
            continue;
        }
        const struct xf_ynode *name = xf_ynode_get(c, "name");
        if (!name) {
            err = xf_error(l->diags, c->loc, "a column needs a 'name'");
            continue;
        }
        struct xf_column col = {0};
        if (xf_loader_want_str(l, name, "name", &col.name) < 0) {
            err = -1;
            continue;
        }
        col.description = "";
        col.loc = c->loc;
        col.meta = xf_v_dict(l->a, 0);
        col.tags = xf_v_list(l->a, 0);
        check_keys(f, c, "a column", column_keys, N(column_keys));
        for (size_t k = 0; k < c->n; k++) {
            struct xf_str key = c->keys[k]->str;
            const struct xf_ynode *v = c->items[k];
            if (xf_str_eqc(key, "description")) {
                err |= description(f, v, &col.description, NULL);
            } else if (xf_str_eqc(key, "data_type")) {
                if (!is_null(l, v))
                    err |= xf_loader_want_str(l, v, "data_type", &col.data_type);
            } else if (xf_str_eqc(key, "quote")) {
                struct xf_value q = xf_ynode_value(l->a, v);
                if (q.t != XF_V_BOOL && q.t != XF_V_NONE)
                    err = xf_error(l->diags, v->loc, "'quote' must be true or false");
                col.quote = q.t == XF_V_BOOL && q.u.b;
            } else if (xf_str_eqc(key, "meta")) {
                if (!is_null(l, v) && !(err |= want_map(f, v, "meta")))
                    col.meta = xf_ynode_value(l->a, v);
            } else if (xf_str_eqc(key, "tags")) {
                col.tags = tags_value(f, v, &err);
            } else if (xf_str_eqc(key, "config")) {
                if (is_null(l, v))
                    continue;
                if (want_map(f, v, "config") < 0) {
                    err = -1;
                    continue;
                }
                struct xf_value cfg = xf_v_dict(l->a, 2);
                xf_dict_set(l->a, cfg.u.d, XF_STR("meta"), col.meta);
                xf_dict_set(l->a, cfg.u.d, XF_STR("tags"), col.tags);
                xf_loader_config_merge_ynode(l, cfg.u.d, v);
                col.meta = *xf_dict_getc(cfg.u.d, "meta");
                col.tags = *xf_dict_getc(cfg.u.d, "tags");
            } else if (xf_str_eqc(key, "tests") || xf_str_eqc(key, "data_tests")) {
                err |= tests_list(f, v, col.name, node);
            } else if (xf_str_eqc(key, "constraints")) {
                err |= column_constraints(l, v, node, &col);
            }
        }
        xf_avec_push(l->a, &node->columns, col);
    }
    return err ? -1 : 0;
}

/* ---- models, seeds, snapshots, analyses ---- */

static struct xf_node *lookup(struct xf_loader *l, enum xf_resource type, struct xf_str name)
{
    enum xf_resource m = type == XF_RES_SEED || type == XF_RES_SNAPSHOT ? XF_RES_MODEL : type;
    return xf_map_get(&l->u->names[m], name);
}

static void unknown_node(struct yfile *f, enum xf_resource type, const char *section,
                         const struct xf_ynode *name)
{
    struct xf_loader *l = f->l;
    XF_VEC(const char *) cands = {0};
    for (size_t i = 0; i < l->p->nodes.n; i++)
        if (l->p->nodes.v[i]->type == type)
            xf_vec_push(&cands, l->p->nodes.v[i]->name);
    const char *s = xf_str_suggest(name->str, cands.v, cands.n);
    xf_vec_release(&cands);
    const char *what = xf_resource_name(type);
    /* dbt warns "Did not find matching node for patch" and goes on: a
     * stale entry for a deleted model must not stop the project */
    struct xf_diag *g =
        xf_diag_add(l->diags, XF_SEV_WARNING, name->loc,
                    "'%s' describes unknown %s '" XF_STR_FMT "', ignored%s%s%s", section, what,
                    XF_STR_ARG(name->str), s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
    if (type == XF_RES_SEED)
        xf_diag_hint(g, "a seed's name is its CSV file name without '.csv'");
    else if (type == XF_RES_SNAPSHOT)
        xf_diag_hint(g, "a snapshot's name is the one in its {%% snapshot %%} block");
    else
        xf_diag_hint(g, "a %s's name is its .sql file name without '.sql'", what);
}

/* The entry's properties on node n (each version of a versioned model gets them all). */
static int apply_entry(struct yfile *f, const struct xf_ynode *e, struct xf_node *n,
                       const char *section)
{
    struct xf_loader *l = f->l;
    const struct xf_ynode *name = xf_ynode_get(e, "name");
    n->props_loc = name->loc;
    n->patch_path = f->patch_path;
    size_t nkeys;
    const char *const *keys = xf_feature_names(XF_FEAT_YAML_NODE, &nkeys);
    const char *snap_keys[64];
    if (n->relation_loc.src && nkeys < 63) { /* a snapshot defined in YAML: its relation */
        memcpy(snap_keys, keys, nkeys * sizeof *keys);
        snap_keys[nkeys++] = "relation";
        keys = snap_keys;
    }
    if (!f->quiet) {
        check_keys(f, e, section, keys, nkeys);
        for (size_t i = 0; i < e->n; i++)
            xf_feature_warn(l->diags, XF_FEAT_YAML_NODE, e->keys[i]->str, NULL, e->keys[i]->loc);
    }
    int err = 0;
    const struct xf_ynode *cfg = NULL, *constraints = NULL;
    for (size_t i = 0; i < e->n; i++) {
        struct xf_str key = e->keys[i]->str;
        const struct xf_ynode *v = e->items[i];
        if (xf_str_eqc(key, "description")) {
            err |= description(f, v, &n->description, &n->description_loc);
        } else if (xf_str_eqc(key, "meta")) {
            if (!is_null(l, v) && !(err |= want_map(f, v, "meta")))
                xf_loader_config_merge1(l->a, n->config.u.d, XF_STR("meta"),
                                        xf_ynode_value(l->a, v));
        } else if (xf_str_eqc(key, "tags")) {
            xf_loader_config_merge1(l->a, n->config.u.d, XF_STR("tags"), tags_value(f, v, &err));
        } else if (xf_str_eqc(key, "docs")) {
            if (!is_null(l, v) && !(err |= want_map(f, v, "docs")))
                xf_loader_config_merge1(l->a, n->config.u.d, XF_STR("docs"),
                                        xf_ynode_value(l->a, v));
        } else if (xf_str_eqc(key, "config")) {
            if (!is_null(l, v) && !(err |= want_map(f, v, "config")))
                cfg = v;
        } else if (xf_str_eqc(key, "columns")) {
            err |= columns(f, v, n);
        } else if (xf_str_eqc(key, "tests") || xf_str_eqc(key, "data_tests")) {
            err |= tests_list(f, v, NULL, n);
        } else if (xf_str_eqc(key, "constraints")) {
            constraints = v;
        } else if (xf_str_eqc(key, "group") || xf_str_eqc(key, "access")) {
            err |= xf_loader_access_prop(l, e->keys[i], v, n);
        } else if (xf_str_eqc(key, "deprecation_date") && !is_null(l, v)) {
            err |= xf_loader_want_str(l, v, "deprecation_date", &n->deprecation_date);
        }
    }
    /* after columns: a model-level constraint names declared columns */
    if (constraints)
        err |= xf_loader_model_constraints(l, constraints, n);
    /* config: last, so that it wins over the entry's meta/tags shorthands */
    if (cfg)
        xf_loader_config_merge_ynode(l, n->config.u.d, cfg);
    xf_loader_sync_node(l, n);
    return err ? -1 : 0;
}

struct vctx {
    struct yfile *f;
    const char *section;
    int applied;
};

static int v_apply(void *ctx, const struct xf_ynode *e, struct xf_node *n)
{
    struct vctx *c = ctx;
    c->f->quiet = c->applied++ > 0;
    int err = apply_entry(c->f, e, n, c->section);
    c->f->quiet = false;
    return err;
}

static int v_columns(void *ctx, const struct xf_ynode *list, struct xf_node *n)
{
    return columns(((struct vctx *)ctx)->f, list, n);
}

static int v_tests(void *ctx, const struct xf_ynode *list, struct xf_node *n)
{
    return tests_list(((struct vctx *)ctx)->f, list, NULL, n);
}

static int node_entry(struct yfile *f, const struct xf_ynode *e, enum xf_resource type,
                      const char *section)
{
    struct xf_loader *l = f->l;
    if (want_map(f, e, section) < 0)
        return -1;
    const struct xf_ynode *name = xf_ynode_get(e, "name");
    if (!name) {
        struct xf_diag *g =
            xf_diag_add(l->diags, XF_SEV_ERROR, e->loc, "an entry of '%s' needs a 'name'", section);
        xf_diag_hint(g, "start the entry with '- name: <%s name>'", xf_resource_name(type));
        return -1;
    }
    const char *nm;
    if (xf_loader_want_str(l, name, "name", &nm) < 0)
        return -1;
    if (type == XF_RES_MODEL && xf_ynode_get(e, "versions")) {
        struct vctx vc = {f, section, 0};
        struct xf_version_hooks h = {&vc, v_apply, v_columns, v_tests};
        return xf_loader_versions(l, e, name, &h);
    }
    struct xf_node *n = lookup(l, type, name->str);
    if (n && n->type != type) {
        struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, name->loc, "'%s' is a %s, not a %s",
                                        nm, xf_resource_name(n->type), xf_resource_name(type));
        const char *sec = n->type == XF_RES_MODEL  ? "models"
                          : n->type == XF_RES_SEED ? "seeds"
                                                   : "snapshots";
        xf_diag_hint(g, "describe it under '%s:'", sec);
        return -1;
    }
    const struct xf_ynode *rel = type == XF_RES_SNAPSHOT ? xf_ynode_get(e, "relation") : NULL;
    if (rel && n) {
        struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, name->loc,
                                        "snapshot '%s' is defined twice: by a {%% snapshot %%} "
                                        "block in %s and by this entry's relation",
                                        nm, n->original_file_path);
        xf_diag_hint(g, "keep one of them, or rename one");
        return -1;
    }
    if (rel) {
        struct xf_props_file pf = {f->src, f->display, f->rel, f->patch_path, f->ofp};
        if (!(n = xf_loader_yaml_snapshot(l, &pf, name, rel)))
            return -1;
        if (apply_entry(f, e, n, section) < 0)
            return -1;
        return xf_loader_yaml_snapshot_check(l, e, n);
    }
    if (!n && type == XF_RES_SNAPSHOT && xf_ynode_get(e, "config")) {
        /* a definition without its relation, not a description of a block */
        struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, name->loc,
                                        "snapshot '%s' has no 'relation' and no {%% snapshot %%} "
                                        "block",
                                        nm);
        xf_diag_hint(g, "add 'relation: ref('<model>')' or 'relation: source('<source>', "
                        "'<table>')' to the entry");
        return -1;
    }
    if (!n) {
        unknown_node(f, type, section, name);
        return 0;
    }
    if (n->props_loc.src) {
        unsigned line, col;
        xf_loc_linecol(n->props_loc.src, n->props_loc.off, &line, &col);
        struct xf_diag *g = xf_diag_add(
            l->diags, XF_SEV_ERROR, name->loc, "%s '%s' is described twice: at %s:%u:%u and here",
            xf_resource_name(type), nm, n->props_loc.src->path, line, col);
        xf_diag_hint(g, "keep one entry per %s", xf_resource_name(type));
        return -1;
    }
    return apply_entry(f, e, n, section);
}

static int node_section(struct yfile *f, const struct xf_ynode *list, enum xf_resource type,
                        const char *section)
{
    if (is_null(f->l, list))
        return 0;
    if (want_seq(f, list, section) < 0)
        return -1;
    int err = 0;
    for (size_t i = 0; i < list->n; i++)
        err |= node_entry(f, list->items[i], type, section);
    return err ? -1 : 0;
}

/* ---- sources ---- */

static int source_table(struct yfile *f, const struct xf_ynode *src_entry, const char *sname,
                        const struct xf_ynode *t)
{
    struct xf_loader *l = f->l;
    if (want_map(f, t, "tables") < 0)
        return -1;
    const struct xf_ynode *name = xf_ynode_get(t, "name");
    if (!name)
        return xf_error(l->diags, t->loc, "a table of source '%s' needs a 'name'", sname);
    const char *tname;
    if (xf_loader_want_str(l, name, "name", &tname) < 0)
        return -1;
    check_keys(f, t, "a source table", table_keys, N(table_keys));

    const char *key = xf_arena_printf(l->a, "%s.%s", sname, tname);
    bool found;
    void **slot = xf_map_slot(&l->u->source_names, xf_str_c(key), &found);
    if (found) {
        const struct xf_node *o = *slot;
        unsigned line, col;
        xf_loc_linecol(o->props_loc.src, o->props_loc.off, &line, &col);
        struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, name->loc,
                                        "source table '%s' is defined twice: at %s:%u:%u and here",
                                        key, o->props_loc.src->path, line, col);
        xf_diag_hint(g, "keep one entry per table");
        return -1;
    }

    struct xf_node *n = XF_ANEW(l->a, struct xf_node);
    *slot = n;
    n->type = XF_RES_SOURCE;
    n->name = tname;
    n->source_name = sname;
    n->package = l->u->name;
    n->unique_id = xf_arena_printf(l->a, "source.%s.%s.%s", l->u->name, sname, tname);
    n->path = f->rel;
    n->original_file_path = f->ofp;
    n->fqn = xf_loader_fqn(l, NULL, f->rel, tname, sname);
    n->config = xf_loader_resolve_config(l, XF_RES_SOURCE, &n->fqn);
    n->props_loc = name->loc;
    n->patch_path = NULL;
    n->description = "";
    n->source_description = "";
    n->identifier = tname;
    n->freshness = xf_v_none();
    int err = 0;

    /* Source-level settings first, then the table's own. */
    const struct xf_ynode *levels[2] = {src_entry, t};
    for (int lv = 0; lv < 2; lv++) {
        const struct xf_ynode *m = levels[lv];
        for (size_t i = 0; i < m->n; i++) {
            struct xf_str k = m->keys[i]->str;
            const struct xf_ynode *v = m->items[i];
            if (xf_str_eqc(k, "meta")) {
                if (!is_null(l, v) && !(err |= want_map(f, v, "meta")))
                    xf_loader_config_merge1(l->a, n->config.u.d, XF_STR("meta"),
                                            xf_ynode_value(l->a, v));
            } else if (xf_str_eqc(k, "tags")) {
                xf_loader_config_merge1(l->a, n->config.u.d, XF_STR("tags"),
                                        tags_value(f, v, &err));
            } else if (xf_str_eqc(k, "config")) {
                if (!is_null(l, v) && !(err |= want_map(f, v, "config")))
                    xf_loader_config_merge_ynode(l, n->config.u.d, v);
            } else if (xf_str_eqc(k, "loaded_at_field")) {
                if (is_null(l, v))
                    n->loaded_at_field = NULL;
                else
                    err |= xf_loader_want_str(l, v, "loaded_at_field", &n->loaded_at_field);
            } else if (xf_str_eqc(k, "freshness")) {
                n->freshness = xf_ynode_value(l->a, v);
                if (n->freshness.t != XF_V_DICT && n->freshness.t != XF_V_NONE)
                    err = xf_error(l->diags, v->loc,
                                   "'freshness' must be a mapping (warn_after, error_after) or "
                                   "null");
            } else if (xf_str_eqc(k, "quoting")) {
                if (!is_null(l, v) && !(err |= want_map(f, v, "quoting")))
                    xf_loader_config_merge1(l->a, n->config.u.d, XF_STR("quoting"),
                                            xf_ynode_value(l->a, v));
            } else if (lv == 0 && xf_str_eqc(k, "description")) {
                err |= description(f, v, &n->source_description, NULL);
            } else if (lv == 1 && xf_str_eqc(k, "description")) {
                err |= description(f, v, &n->description, &n->description_loc);
            } else if (lv == 0 && xf_str_eqc(k, "database")) {
                if (!is_null(l, v))
                    err |= xf_loader_want_str(l, v, "database", &n->database);
            } else if (lv == 0 && xf_str_eqc(k, "schema")) {
                if (!is_null(l, v))
                    err |= xf_loader_want_str(l, v, "schema", &n->schema);
            } else if (lv == 1 && xf_str_eqc(k, "identifier")) {
                err |= xf_loader_want_str(l, v, "identifier", &n->identifier);
            } else if (lv == 1 && xf_str_eqc(k, "columns")) {
                err |= columns(f, v, n);
            } else if (lv == 1 && (xf_str_eqc(k, "tests") || xf_str_eqc(k, "data_tests"))) {
                err |= tests_list(f, v, NULL, n);
            }
        }
    }
    if (!n->schema)
        n->schema = sname;
    if (n->database)
        xf_dict_set(l->a, n->config.u.d, XF_STR("database"), xf_v_strc(n->database));
    xf_dict_set(l->a, n->config.u.d, XF_STR("schema"), xf_v_strc(n->schema));
    xf_loader_sync_node(l, n);
    n->index = (uint32_t)l->p->sources.n;
    xf_avec_push(l->a, &l->p->sources, n);
    xf_map_put(&l->p->by_unique_id, xf_str_c(n->unique_id), n);
    return err ? -1 : 0;
}

static int sources_section(struct yfile *f, const struct xf_ynode *list)
{
    struct xf_loader *l = f->l;
    if (is_null(l, list))
        return 0;
    if (want_seq(f, list, "sources") < 0)
        return -1;
    int err = 0;
    for (size_t i = 0; i < list->n; i++) {
        const struct xf_ynode *s = list->items[i];
        if (want_map(f, s, "sources") < 0) {
            err = -1;
            continue;
        }
        const struct xf_ynode *name = xf_ynode_get(s, "name");
        if (!name) {
            struct xf_diag *g =
                xf_diag_add(l->diags, XF_SEV_ERROR, s->loc, "a source needs a 'name'");
            xf_diag_hint(g, "start the entry with '- name: <source name>'");
            err = -1;
            continue;
        }
        const char *sname;
        if (xf_loader_want_str(l, name, "name", &sname) < 0) {
            err = -1;
            continue;
        }
        check_keys(f, s, "a source", source_keys, N(source_keys));
        const struct xf_ynode *tables = xf_ynode_get(s, "tables");
        if (!tables || is_null(l, tables))
            continue;
        if (want_seq(f, tables, "tables") < 0) {
            err = -1;
            continue;
        }
        for (size_t t = 0; t < tables->n; t++)
            err |= source_table(f, s, sname, tables->items[t]);
    }
    return err ? -1 : 0;
}

/* ---- macros ---- */

static int macros_section(struct yfile *f, const struct xf_ynode *list)
{
    struct xf_loader *l = f->l;
    if (is_null(l, list))
        return 0;
    if (want_seq(f, list, "macros") < 0)
        return -1;
    int err = 0;
    for (size_t i = 0; i < list->n; i++) {
        const struct xf_ynode *e = list->items[i];
        if (want_map(f, e, "macros") < 0) {
            err = -1;
            continue;
        }
        const struct xf_ynode *name = xf_ynode_get(e, "name");
        if (!name) {
            err = xf_error(l->diags, e->loc, "an entry of 'macros' needs a 'name'");
            continue;
        }
        check_keys(f, e, "macros", macro_keys, N(macro_keys));
        struct xf_macro_def *m = xf_map_get(&l->u->macro_names, name->str);
        if (!m) {
            XF_VEC(const char *) cands = {0};
            for (size_t j = 0; j < l->p->macros.n; j++)
                xf_vec_push(&cands, l->p->macros.v[j]->name);
            const char *s = xf_str_suggest(name->str, cands.v, cands.n);
            xf_vec_release(&cands);
            err = -1;
            xf_diag_add(l->diags, XF_SEV_ERROR, name->loc,
                        "'macros' describes unknown macro '" XF_STR_FMT "'%s%s%s",
                        XF_STR_ARG(name->str), s ? " (did you mean '" : "", s ? s : "",
                        s ? "'?)" : "");
            continue;
        }
        const struct xf_ynode *d = xf_ynode_get(e, "description");
        if (d)
            err |= description(f, d, &m->description, NULL);
    }
    return err ? -1 : 0;
}

/* unit_tests (parser/unit_tests.c) and the semantic layer (parser/semantic.c). */
static int others_section(struct yfile *f, struct xf_str key, const struct xf_ynode *v)
{
    struct xf_props_file pf = {f->src, f->display, f->rel, f->patch_path, f->ofp};
    if (xf_str_eqc(key, "unit_tests"))
        return xf_loader_unit_tests(f->l, &pf, v);
    enum xf_resource kind = xf_str_eqc(key, "exposures")         ? XF_RES_EXPOSURE
                            : xf_str_eqc(key, "metrics")         ? XF_RES_METRIC
                            : xf_str_eqc(key, "semantic_models") ? XF_RES_SEMANTIC_MODEL
                                                                 : XF_RES_SAVED_QUERY;
    return xf_loader_semantic(f->l, &pf, kind, v);
}

static int process(struct yfile *f, const struct xf_ynode *root)
{
    struct xf_loader *l = f->l;
    if (root->kind != XF_Y_MAP)
        return xf_error(l->diags, root->loc,
                        "a properties file must be a mapping ('version: 2', 'models:' ...)");
    int err = 0;
    const struct xf_ynode *ver = xf_ynode_get(root, "version");
    if (ver) {
        struct xf_value v = xf_ynode_value(l->a, ver);
        if (!(v.t == XF_V_INT && v.u.i == 2)) {
            struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, ver->loc,
                                            "unsupported properties version '" XF_STR_FMT "'",
                                            XF_STR_ARG(ver->str));
            xf_diag_hint(g, "write 'version: 2'");
            return -1;
        }
    }
    for (size_t i = 0; i < root->n; i++) {
        const struct xf_ynode *k = root->keys[i], *v = root->items[i];
        if (k->kind != XF_Y_SCALAR)
            continue;
        struct xf_str s = k->str;
        if (xf_str_eqc(s, "models"))
            err |= node_section(f, v, XF_RES_MODEL, "models");
        else if (xf_str_eqc(s, "seeds"))
            err |= node_section(f, v, XF_RES_SEED, "seeds");
        else if (xf_str_eqc(s, "snapshots"))
            err |= node_section(f, v, XF_RES_SNAPSHOT, "snapshots");
        else if (xf_str_eqc(s, "analyses"))
            err |= node_section(f, v, XF_RES_ANALYSIS, "analyses");
        else if (xf_str_eqc(s, "sources"))
            err |= sources_section(f, v);
        else if (xf_str_eqc(s, "macros"))
            err |= macros_section(f, v);
        else if (xf_str_eqc(s, "groups"))
            err |= xf_loader_groups(l, v, f->rel, f->ofp);
        else if (xf_str_eqc(s, "unit_tests") || xf_str_eqc(s, "exposures") ||
                 xf_str_eqc(s, "metrics") || xf_str_eqc(s, "semantic_models") ||
                 xf_str_eqc(s, "saved_queries"))
            err |= others_section(f, s, v);
        else if (!xf_feature_warn(l->diags, XF_FEAT_YAML_TOP, s, NULL, k->loc) &&
                 !xf_feature_find(XF_FEAT_YAML_TOP, s)) {
            size_t nkeys;
            const char *const *keys = xf_feature_names(XF_FEAT_YAML_TOP, &nkeys);
            xf_loader_unknown_key(l, k, f->display, keys, nkeys);
        }
    }
    return err ? -1 : 0;
}

int xf_loader_schema_tree(struct xf_loader *l, const struct xf_source *src, const char *rel,
                          const struct xf_ynode *root)
{
    struct yfile F = {l, src, src->path, rel, NULL, src->path, false}, *f = &F;
    size_t dl = strlen(l->u->dir);
    if (dl && !strncmp(f->display, l->u->dir, dl))
        f->ofp = f->display + dl; /* relative to its package */
    f->patch_path = xf_loader_cat(l->a, l->u->name, "://", f->ofp);
    return process(f, root);
}
