// SPDX-License-Identifier: MIT
/*
 * Node configs: the config keys and dbt's merge rules (tags and hooks
 * append, meta/docs/... update, the rest replaces), the project's config
 * trees (`models:`, `seeds:` ... in the project file) and the resolution
 * of a node's config from them, and the xf_node_config* accessors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parser/features.h"
#include "parser/loader.h"

static struct xf_loc node_loc(const struct xf_ynode *n)
{
    return n ? n->loc : XF_NOLOC;
}

/* ---- config keys and merging ---- */

bool xf_loader_is_config_key(struct xf_str k)
{
    if (xf_feature_find(XF_FEAT_CONFIG, k))
        return true;
    return xf_str_eqc(k, "pre_hook") || xf_str_eqc(k, "post_hook");
}

struct xf_str xf_loader_config_key(struct xf_str k)
{
    if (k.len && k.p[0] == '+') {
        k.p++;
        k.len--;
    }
    if (xf_str_eqc(k, "pre_hook"))
        return XF_STR("pre-hook");
    if (xf_str_eqc(k, "post_hook"))
        return XF_STR("post-hook");
    return k;
}

static bool is_append_key(struct xf_str k)
{
    return xf_str_eqc(k, "tags") || xf_str_eqc(k, "pre-hook") || xf_str_eqc(k, "post-hook");
}

static bool is_update_key(struct xf_str k)
{
    static const char *const keys[] = {"meta",         "docs",   "quoting", "column_types",
                                       "persist_docs", "grants", "contract"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (xf_str_eqc(k, keys[i]))
            return true;
    return false;
}

static void append_items(struct xf_arena *a, struct xf_list *l, const struct xf_value *v,
                         bool dedupe)
{
    if (v->t == XF_V_NONE || v->t == XF_V_UNDEF)
        return;
    const struct xf_value *items = v;
    size_t n = 1;
    if (v->t == XF_V_LIST) {
        items = v->u.l->items;
        n = v->u.l->n;
    }
    for (size_t i = 0; i < n; i++) {
        bool dup = false;
        for (size_t j = 0; dedupe && j < l->n && !dup; j++)
            dup = xf_value_equal(&l->items[j], &items[i]);
        if (!dup)
            xf_list_push(a, l, items[i]);
    }
}

/*
 * grants merge as dbt's: a privilege replaces the inherited grantees,
 * '+select' adds to them ('+' dropped from the key).
 */
static void merge_grants(struct xf_arena *a, struct xf_dict *dst, struct xf_str key,
                         const struct xf_dict *old, const struct xf_dict *add)
{
    struct xf_value d = xf_v_dict(a, (old ? old->n : 0) + add->n);
    for (size_t i = 0; old && i < old->n; i++)
        xf_dict_set(a, d.u.d, old->ents[i].key, old->ents[i].val);
    for (size_t i = 0; i < add->n; i++) {
        struct xf_str k = add->ents[i].key;
        const struct xf_value *v = &add->ents[i].val;
        if (!(k.len > 1 && k.p[0] == '+')) {
            xf_dict_set(a, d.u.d, k, *v);
            continue;
        }
        k = xf_str_n(k.p + 1, k.len - 1);
        const struct xf_value *was = xf_dict_get(d.u.d, k);
        struct xf_value l = xf_v_list(a, 4);
        if (was)
            append_items(a, l.u.l, was, true);
        append_items(a, l.u.l, v, true);
        xf_dict_set(a, d.u.d, k, l);
    }
    xf_dict_set(a, dst, key, d);
}

void xf_loader_config_merge1(struct xf_arena *a, struct xf_dict *dst, struct xf_str key,
                             struct xf_value v)
{
    key = xf_loader_config_key(key);
    struct xf_value *old = xf_dict_get(dst, key);
    if (is_append_key(key)) {
        /* Always a fresh list: lists may be shared between nodes. */
        size_t n =
            (old && old->t == XF_V_LIST ? old->u.l->n : 1) + (v.t == XF_V_LIST ? v.u.l->n : 1);
        struct xf_value l = xf_v_list(a, n);
        if (old)
            append_items(a, l.u.l, old, xf_str_eqc(key, "tags"));
        append_items(a, l.u.l, &v, xf_str_eqc(key, "tags"));
        xf_dict_set(a, dst, key, l);
        return;
    }
    if (xf_str_eqc(key, "grants") && v.t == XF_V_DICT) {
        merge_grants(a, dst, key, old && old->t == XF_V_DICT ? old->u.d : NULL, v.u.d);
        return;
    }
    if (is_update_key(key) && v.t == XF_V_DICT && old && old->t == XF_V_DICT) {
        struct xf_value d = xf_v_dict(a, old->u.d->n + v.u.d->n);
        for (size_t i = 0; i < old->u.d->n; i++)
            xf_dict_set(a, d.u.d, old->u.d->ents[i].key, old->u.d->ents[i].val);
        for (size_t i = 0; i < v.u.d->n; i++)
            xf_dict_set(a, d.u.d, v.u.d->ents[i].key, v.u.d->ents[i].val);
        xf_dict_set(a, dst, key, d);
        return;
    }
    xf_dict_set(a, dst, key, v);
}

static void merge_dict(struct xf_arena *a, struct xf_dict *dst, const struct xf_dict *src)
{
    for (size_t i = 0; i < src->n; i++)
        xf_loader_config_merge1(a, dst, src->ents[i].key, src->ents[i].val);
}

void xf_loader_config_merge_ynode(struct xf_loader *l, struct xf_dict *dst,
                                  const struct xf_ynode *map)
{
    if (!map || map->kind != XF_Y_MAP)
        return;
    for (size_t i = 0; i < map->n; i++) {
        if (map->keys[i]->kind != XF_Y_SCALAR)
            continue;
        struct xf_value v = xf_ynode_value(l->a, map->items[i]);
        struct xf_str k = map->keys[i]->str;
        xf_feature_warn(l->diags, XF_FEAT_CONFIG, k, &v, map->keys[i]->loc);
        xf_feature_warn_elsewhere(l->diags, XF_FEAT_CONFIG, k, &v, l->p->target.type,
                                  map->keys[i]->loc);
        /* a custom config is allowed; one a typo away from a known one is most likely a typo */
        size_t nkeys;
        const char *const *keys = xf_feature_names(XF_FEAT_CONFIG, &nkeys);
        bool known = false;
        for (size_t j = 0; j < nkeys && !known; j++)
            known = xf_str_eqc(k, keys[j]);
        const char *s = known ? NULL : xf_str_suggest(k, keys, nkeys);
        if (s)
            xf_diag_add(l->diags, XF_SEV_WARNING, map->keys[i]->loc,
                        "unknown config '" XF_STR_FMT "' (did you mean '%s'?): kept as a custom "
                        "config, which xform does not act on",
                        XF_STR_ARG(k), s);
        xf_loader_config_merge1(l->a, dst, k, v);
    }
}

/* ---- config trees ---- */

struct cfgtree {
    struct xf_str name;
    struct xf_dict *conf;
    struct cfgtree **kids;
    size_t nkids;
    const struct xf_ynode *key; /* for "unused path" warnings */
    bool used;
};

enum {
    TREE_MODELS,
    TREE_SEEDS,
    TREE_SNAPSHOTS,
    TREE_TESTS,
    TREE_SOURCES,
    TREE_ANALYSES,
    TREE_EXPOSURES,
    TREE_METRICS,
    TREE_SEMANTIC_MODELS,
    TREE_SAVED_QUERIES,
    TREE_UNIT_TESTS,
};
static const char *const tree_names[XF_NTREES] = {
    "models",    "seeds",   "snapshots",       "tests",         "sources",   "analyses",
    "exposures", "metrics", "semantic-models", "saved-queries", "unit_tests"};

static struct cfgtree *build_tree(struct xf_loader *l, const struct xf_ynode *map,
                                  const struct xf_ynode *key, const char *where)
{
    struct cfgtree *t = XF_ANEW(l->a, struct cfgtree);
    t->conf = xf_v_dict(l->a, 0).u.d;
    t->key = key;
    if (key)
        t->name = key->str;
    if (!map || map->kind != XF_Y_MAP)
        return t;
    size_t nk = 0;
    for (size_t i = 0; i < map->n; i++)
        nk += map->items[i]->kind == XF_Y_MAP;
    t->kids = XF_ANEWN(l->a, struct cfgtree *, nk ? nk : 1);
    for (size_t i = 0; i < map->n; i++) {
        const struct xf_ynode *k = map->keys[i], *v = map->items[i];
        if (k->kind != XF_Y_SCALAR)
            continue;
        if ((k->str.len && k->str.p[0] == '+') || xf_loader_is_config_key(k->str)) {
            struct xf_value val = xf_ynode_value(l->a, v);
            xf_feature_warn(l->diags, XF_FEAT_CONFIG, k->str, &val, k->loc);
            xf_feature_warn_elsewhere(l->diags, XF_FEAT_CONFIG, k->str, &val, l->p->target.type,
                                      k->loc);
            xf_loader_config_merge1(l->a, t->conf, k->str, val);
        } else if (v->kind == XF_Y_MAP) {
            const char *sub = xf_arena_printf(l->a, "%s." XF_STR_FMT, where, XF_STR_ARG(k->str));
            struct cfgtree *kid = build_tree(l, v, k, sub);
            t->kids[t->nkids++] = kid;
        } else {
            size_t nkeys;
            const char *const *keys = xf_feature_names(XF_FEAT_CONFIG, &nkeys);
            const char *s = xf_str_suggest(k->str, keys, nkeys);
            struct xf_diag *g = xf_diag_add(
                l->diags, XF_SEV_WARNING, k->loc, "unknown config '" XF_STR_FMT "' in '%s'%s%s%s",
                XF_STR_ARG(k->str), where, s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
            xf_diag_hint(g, "custom configs take a '+' prefix: '+" XF_STR_FMT "'",
                         XF_STR_ARG(k->str));
            xf_loader_config_merge1(l->a, t->conf, k->str, xf_ynode_value(l->a, v));
        }
    }
    return t;
}

static struct cfgtree *tree_kid(struct cfgtree *t, struct xf_str name)
{
    if (!t)
        return NULL;
    for (size_t i = 0; i < t->nkids; i++)
        if (xf_str_eq(t->kids[i]->name, name))
            return t->kids[i];
    return NULL;
}

static void warn_unused(struct xf_loader *l, struct cfgtree *t, const char *path, int depth)
{
    for (size_t i = 0; i < t->nkids; i++) {
        struct cfgtree *k = t->kids[i];
        const char *sub = xf_arena_printf(l->a, "%s.%.*s", path, (int)k->name.len, k->name.p);
        if (!k->used) {
            struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_WARNING, node_loc(k->key),
                                            "the config path '%s' matches no resource", sub);
            xf_diag_hint(g, "config paths follow folders and file names under the resource paths");
            continue;
        }
        warn_unused(l, k, sub, depth + 1);
    }
}

/*
 * A root project tree configures projects by name: its own, or an
 * installed package's. Anything else is a warning (a misspelt project
 * name would silently configure nothing).
 */
static void warn_foreign(struct xf_loader *l, struct cfgtree *t, const char *where)
{
    const struct xf_project *p = l->p;
    for (size_t i = 0; i < t->nkids; i++) {
        struct cfgtree *kid = t->kids[i];
        if (xf_str_eqc(kid->name, p->name))
            continue;
        bool pkg = false;
        for (size_t k = 0; k < p->packages.n && !pkg; k++)
            pkg = xf_str_eqc(kid->name, p->packages.v[k]->name);
        if (pkg)
            continue;
        XF_VEC(const char *) cand = {0};
        xf_vec_push(&cand, p->name);
        for (size_t k = 0; k < p->packages.n; k++)
            xf_vec_push(&cand, p->packages.v[k]->name);
        const char *s = xf_str_suggest(kid->name, cand.v, cand.n);
        xf_vec_release(&cand);
        struct xf_diag *g = xf_diag_add(
            l->diags, XF_SEV_WARNING, node_loc(kid->key),
            "'%s' configures project '" XF_STR_FMT "', which is not this project%s%s%s", where,
            XF_STR_ARG(kid->name), s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
        xf_diag_hint(g, "under '%s:', nest folder configs inside '%s:'", where, p->name);
        kid->used = true; /* already warned */
    }
}

struct folder_conf {
    struct xf_dict *conf;      /* defaults, then the unit's own tree down to the folder */
    struct xf_dict *root_conf; /* packages: the root project's tree down to the folder */
    struct cfgtree *at[2];     /* tree nodes for the folder (own, root), NULL once left */
};

/* Merges the levels of `t` along the folder parts into d; the last level reached. */
static struct cfgtree *walk_tree(struct xf_loader *l, struct cfgtree *t, struct xf_dict *d,
                                 const struct xf_list *parts, size_t nfolder)
{
    if (!t)
        return NULL;
    t->used = true;
    merge_dict(l->a, d, t->conf);
    for (size_t i = 0; i < nfolder && t; i++) {
        t = tree_kid(t, parts->items[i].u.s);
        if (t) {
            t->used = true;
            merge_dict(l->a, d, t->conf);
        }
    }
    return t;
}

static void merge_leaf(struct xf_loader *l, struct xf_dict *d, struct cfgtree *at,
                       const struct xf_list *parts)
{
    struct cfgtree *leaf = at && parts->n ? tree_kid(at, parts->items[parts->n - 1].u.s) : NULL;
    if (leaf) {
        leaf->used = true;
        merge_dict(l->a, d, leaf->conf);
    }
}

static struct xf_value default_config(struct xf_loader *l, enum xf_resource type)
{
    struct xf_arena *a = l->a;
    struct xf_value d = xf_v_dict(a, 12);
    /* exposures ... saved queries start enabled, unit tests with nothing: only
     * what the project file and the YAML say is added (their manifest shape) */
    if (type == XF_RES_UNIT_TEST)
        return d;
    if (type >= XF_RES_EXPOSURE) {
        xf_dict_set(a, d.u.d, XF_STR("enabled"), xf_v_bool(true));
        return d;
    }
    xf_dict_set(a, d.u.d, XF_STR("enabled"), xf_v_bool(true));
    const char *mat = type == XF_RES_SEED       ? "seed"
                      : type == XF_RES_TEST     ? "test"
                      : type == XF_RES_SNAPSHOT ? "snapshot"
                                                : "view";
    if (type != XF_RES_SOURCE)
        xf_dict_set(a, d.u.d, XF_STR("materialized"), xf_v_strc(mat));
    xf_dict_set(a, d.u.d, XF_STR("tags"), xf_v_list(a, 0));
    xf_dict_set(a, d.u.d, XF_STR("meta"), xf_v_dict(a, 0));
    if (type == XF_RES_TEST) {
        xf_dict_set(a, d.u.d, XF_STR("severity"), xf_v_strc("ERROR"));
        xf_dict_set(a, d.u.d, XF_STR("fail_calc"), xf_v_strc("count(*)"));
        xf_dict_set(a, d.u.d, XF_STR("warn_if"), xf_v_strc("!= 0"));
        xf_dict_set(a, d.u.d, XF_STR("error_if"), xf_v_strc("!= 0"));
    } else if (type != XF_RES_SOURCE) {
        xf_dict_set(a, d.u.d, XF_STR("pre-hook"), xf_v_list(a, 0));
        xf_dict_set(a, d.u.d, XF_STR("post-hook"), xf_v_list(a, 0));
    }
    return d;
}

static int tree_of(enum xf_resource type)
{
    switch (type) {
    case XF_RES_SEED:
        return TREE_SEEDS;
    case XF_RES_SNAPSHOT:
        return TREE_SNAPSHOTS;
    case XF_RES_TEST:
        return TREE_TESTS;
    case XF_RES_SOURCE:
        return TREE_SOURCES;
    case XF_RES_ANALYSIS:
        return TREE_ANALYSES;
    case XF_RES_EXPOSURE:
        return TREE_EXPOSURES;
    case XF_RES_METRIC:
        return TREE_METRICS;
    case XF_RES_SEMANTIC_MODEL:
        return TREE_SEMANTIC_MODELS;
    case XF_RES_SAVED_QUERY:
        return TREE_SAVED_QUERIES;
    case XF_RES_UNIT_TEST:
        return TREE_UNIT_TESTS;
    default:
        return TREE_MODELS;
    }
}

/*
 * Config for an fqn [project, folders..., name]: defaults, then each level
 * of the tree that matches. A package's node takes its own project file's
 * tree first and then the root project's (the root project wins, as in
 * dbt). Folder levels are cached, so 10,000 models in a few folders cost a
 * few tree walks.
 */
struct xf_value xf_loader_resolve_config(struct xf_loader *l, enum xf_resource type,
                                         const struct xf_value *fqn)
{
    int ti = tree_of(type);
    const struct xf_list *parts = fqn->u.l;
    size_t nfolder = parts->n ? parts->n - 1 : 0;

    /* Cache key: tree index, then the folder parts joined by 0x1f (the
     * first part names the unit). */
    struct xf_buf *k = &l->scratch;
    xf_buf_reset(k);
    xf_buf_addch(k, (char)('0' + type));
    for (size_t i = 0; i < nfolder; i++) {
        xf_buf_addch(k, '\x1f');
        xf_buf_addstr(k, parts->items[i].u.s);
    }
    struct folder_conf *fc = xf_map_get(&l->folder_cache, xf_buf_str(k));
    if (!fc) {
        fc = XF_ANEW(l->a, struct folder_conf);
        xf_map_put(&l->folder_cache,
                   (struct xf_str){xf_arena_strndup(l->a, k->ptr, k->len), k->len}, fc);
        struct xf_value d = default_config(l, type);
        fc->at[0] = walk_tree(l, l->u->trees[ti], d.u.d, parts, nfolder);
        fc->conf = d.u.d;
        if (l->u != l->root) {
            fc->root_conf = xf_v_dict(l->a, 4).u.d;
            fc->at[1] = walk_tree(l, l->root->trees[ti], fc->root_conf, parts, nfolder);
        }
    }
    size_t extra = fc->root_conf ? fc->root_conf->n : 0;
    struct xf_value out = xf_v_dict(l->a, fc->conf->n + extra + 2);
    for (size_t i = 0; i < fc->conf->n; i++)
        xf_dict_set(l->a, out.u.d, fc->conf->ents[i].key, fc->conf->ents[i].val);
    merge_leaf(l, out.u.d, fc->at[0], parts);
    if (fc->root_conf) {
        merge_dict(l->a, out.u.d, fc->root_conf);
        merge_leaf(l, out.u.d, fc->at[1], parts);
    }
    return out;
}

int xf_loader_config_trees(struct xf_loader *l, const struct xf_ynode *root, struct xf_value *out)
{
    *out = xf_v_dict(l->a, XF_NTREES);
    for (int t = 0; t < XF_NTREES; t++) {
        const struct xf_ynode *tn = xf_ynode_get(root, tree_names[t]);
        if (!tn && t == TREE_TESTS)
            tn = xf_ynode_get(root, "data_tests");
        if (tn && tn->kind != XF_Y_MAP &&
            !(tn->kind == XF_Y_SCALAR && xf_ynode_value(l->a, tn).t == XF_V_NONE))
            return xf_error(l->diags, tn->loc, "'%s' must be a mapping of configs", tree_names[t]);
        l->u->trees[t] = build_tree(l, tn, NULL, tree_names[t]);
        l->u->trees[t]->used = true;
        xf_dict_set(l->a, out->u.d, xf_str_c(tree_names[t]),
                    tn ? xf_ynode_value(l->a, tn) : xf_v_dict(l->a, 0));
    }
    return 0;
}

void xf_loader_config_warn_unused(struct xf_loader *l)
{
    for (int t = 0; t < XF_NTREES; t++) {
        warn_foreign(l, l->root->trees[t], tree_names[t]);
        warn_unused(l, l->root->trees[t], tree_names[t], 0);
    }
}

/* ---- unrendered configs (dbt's unrendered_config) ---- */

void xf_project_note_unrendered(struct xf_project *p, const char *rendered, struct xf_str raw)
{
    if (!p->has_unrendered) {
        xf_map_init(&p->unrendered);
        p->has_unrendered = true;
    }
    struct xf_str *keep = xf_arena_alloc(&p->arena, sizeof *keep);
    *keep = (struct xf_str){xf_arena_strndup(&p->arena, raw.p, raw.len), raw.len};
    char *key = xf_arena_alloc(&p->arena, sizeof rendered);
    memcpy(key, &rendered, sizeof rendered);
    xf_map_put(&p->unrendered, xf_str_n(key, sizeof rendered), keep);
}

static struct xf_value unrendered_value(const struct xf_project *p, const struct xf_value *v,
                                        struct xf_arena *a, int depth)
{
    if (v->t == XF_V_STR && v->u.s.p) {
        const struct xf_str *raw =
            xf_map_get(&p->unrendered, xf_str_n((const char *)&v->u.s.p, sizeof v->u.s.p));
        return raw ? xf_v_str(*raw) : *v;
    }
    if (depth > 8)
        return *v;
    if (v->t == XF_V_DICT && v->u.d) {
        struct xf_value d = xf_v_dict(a, v->u.d->n);
        for (size_t i = 0; i < v->u.d->n; i++)
            xf_dict_set(a, d.u.d, v->u.d->ents[i].key,
                        unrendered_value(p, &v->u.d->ents[i].val, a, depth + 1));
        return d;
    }
    if (v->t == XF_V_LIST && v->u.l) {
        struct xf_value l = xf_v_list(a, v->u.l->n);
        for (size_t i = 0; i < v->u.l->n; i++)
            xf_list_push(a, l.u.l, unrendered_value(p, &v->u.l->items[i], a, depth + 1));
        return l;
    }
    return *v;
}

struct xf_value xf_node_unrendered_config(const struct xf_project *p, const struct xf_node *n,
                                          struct xf_arena *a)
{
    if (!p->has_unrendered)
        return n->config;
    return unrendered_value(p, &n->config, a, 0);
}

/* ---- accessors ---- */

const struct xf_value *xf_node_config(const struct xf_node *n, const char *key)
{
    if (n->config.t != XF_V_DICT)
        return NULL;
    return xf_dict_get(n->config.u.d, xf_loader_config_key(xf_str_c(key)));
}

const char *xf_node_config_str(const struct xf_node *n, const char *key, const char *def)
{
    const struct xf_value *v = xf_node_config(n, key);
    if (!v || v->t != XF_V_STR)
        return def;
    return v->u.s.p;
}

bool xf_node_config_bool(const struct xf_node *n, const char *key, bool def)
{
    const struct xf_value *v = xf_node_config(n, key);
    if (!v)
        return def;
    if (v->t == XF_V_BOOL)
        return v->u.b;
    if (v->t == XF_V_STR) {
        if (!strcasecmp(v->u.s.p, "true"))
            return true;
        if (!strcasecmp(v->u.s.p, "false"))
            return false;
        return def;
    }
    if (v->t == XF_V_NONE || v->t == XF_V_UNDEF)
        return def;
    return xf_value_truthy(v);
}

void xf_node_config_set(struct xf_arena *a, struct xf_node *n, struct xf_str key, struct xf_value v)
{
    if (n->config.t != XF_V_DICT)
        n->config = xf_v_dict(a, 4);
    struct xf_str k = xf_loader_config_key(key);
    k = (struct xf_str){xf_arena_strndup(a, k.p, k.len), k.len};
    xf_loader_config_merge1(a, n->config.u.d, k, v);
    const struct xf_value *t = xf_node_config(n, "tags");
    if (t && t->t == XF_V_LIST)
        n->tags = *t;
    const struct xf_value *m = xf_node_config(n, "meta");
    if (m && m->t == XF_V_DICT)
        n->meta = *m;
}

/* ---- where a config is written ---- */

/* `word` in `src` as a whole word (in quotes or after 'materialized:'), or no location. */
static struct xf_loc find_word(const struct xf_source *src, const char *word)
{
    size_t wl = strlen(word);
    for (const char *t = src ? src->text : NULL; t && wl && (t = strstr(t, word)); t += wl) {
        char before = t > src->text ? t[-1] : ' ', after = t[wl];
        bool ident_b = before == '_' || (before >= 'a' && before <= 'z') ||
                       (before >= 'A' && before <= 'Z') || (before >= '0' && before <= '9');
        bool ident_a = after == '_' || (after >= 'a' && after <= 'z') ||
                       (after >= 'A' && after <= 'Z') || (after >= '0' && after <= '9');
        if (!ident_b && !ident_a)
            return (struct xf_loc){src, (size_t)(t - src->text), wl};
    }
    return XF_NOLOC;
}

/*
 * Where `word` (a config's key or value) is written for n: its config()
 * call, its properties YAML, or the project file (the config trees keep no
 * locations; the word is looked for in each, in dbt's order of
 * precedence); else the start of its file.
 */
struct xf_loc xf_config_word_loc(const struct xf_project *p, const struct xf_node *n,
                                 const char *word)
{
    struct xf_loc l = find_word(n->src, word);
    if (!l.src)
        l = find_word(n->props_loc.src, word);
    for (size_t i = 0; !l.src && i < p->files.n; i++) {
        const char *path = p->files.v[i]->path;
        size_t pl = strlen(path);
        if (pl >= 12 && !strcmp(path + pl - 12, "_project.yml"))
            l = find_word(p->files.v[i], word);
    }
    if (!l.src && n->src)
        l = (struct xf_loc){n->src, 0, 0};
    return l;
}
