// SPDX-License-Identifier: MIT
/*
 * The project loader's entry point and the project file: reads
 * xform_project.yml (or dbt_project.yml) and --vars, builds the config
 * trees and resolves each node's config from them (dbt's merge rules),
 * then hands over to profile.c for the target and discover.c for the
 * files. Also the node config accessors.
 */
#include "parser/project.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parser/features.h"
#include "parser/loader.h"
#include "util/path.h"

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
        xf_feature_warn(l->diags, XF_FEAT_CONFIG, map->keys[i]->str, &v, map->keys[i]->loc);
        xf_loader_config_merge1(l->a, dst, map->keys[i]->str, v);
    }
}

/* ---- small helpers ---- */

char *xf_loader_cat(struct xf_arena *a, const char *x, const char *sep, const char *y)
{
    size_t xl = strlen(x), sl = strlen(sep), yl = strlen(y);
    char *s = xf_arena_alloc(a, xl + sl + yl + 1);
    memcpy(s, x, xl);
    memcpy(s + xl, sep, sl);
    memcpy(s + xl + sl, y, yl + 1);
    return s;
}

/* xf_path_join() without printf for the common case. */
char *xf_loader_join_path(struct xf_arena *a, const char *dir, const char *name)
{
    size_t dl = strlen(dir);
    if (name[0] == '/' || name[0] == '.' || !dl || dir[dl - 1] == '/' || !strcmp(dir, "."))
        return xf_path_join(a, dir, name);
    return xf_loader_cat(a, dir, "/", name);
}

static struct xf_loc node_loc(const struct xf_ynode *n)
{
    return n ? n->loc : XF_NOLOC;
}

void xf_loader_unknown_key(struct xf_loader *l, const struct xf_ynode *key, const char *where,
                           const char *const *known, size_t nknown)
{
    const char *s = xf_str_suggest(key->str, known, nknown);
    struct xf_loc loc = key->loc;
    if (s)
        xf_diag_add(l->diags, XF_SEV_WARNING, loc,
                    "unknown key '" XF_STR_FMT "' in %s (did you mean '%s'?)", XF_STR_ARG(key->str),
                    where, s);
    else
        xf_diag_add(l->diags, XF_SEV_WARNING, loc, "unknown key '" XF_STR_FMT "' in %s",
                    XF_STR_ARG(key->str), where);
}

int xf_loader_want_str(struct xf_loader *l, const struct xf_ynode *n, const char *what,
                       const char **out)
{
    if (!n || n->kind != XF_Y_SCALAR || xf_ynode_is_null(n))
        return xf_error(l->diags, node_loc(n), "'%s' must be a string", what);
    *out = n->str.p;
    return 0;
}

void xf_loader_sync_node(struct xf_loader *l, struct xf_node *n)
{
    const struct xf_value *t = xf_node_config(n, "tags");
    n->tags = t && t->t == XF_V_LIST ? *t : xf_v_list(l->a, 0);
    const struct xf_value *m = xf_node_config(n, "meta");
    n->meta = m && m->t == XF_V_DICT ? *m : xf_v_dict(l->a, 0);
}

/* ---- project file ---- */

static int str_list(struct xf_loader *l, const struct xf_ynode *n, const char *key,
                    struct xf_value *out, const char *const *def, size_t ndef)
{
    struct xf_value v = xf_v_list(l->a, 4);
    if (!n) {
        for (size_t i = 0; i < ndef; i++)
            xf_list_push(l->a, v.u.l, xf_v_strc(def[i]));
    } else if (n->kind == XF_Y_SCALAR && !n->quoted && xf_ynode_value(l->a, n).t == XF_V_NONE) {
        /* `key:` with nothing: an empty list */
    } else if (n->kind == XF_Y_SCALAR) {
        xf_list_push(l->a, v.u.l, xf_v_str(n->str));
    } else if (n->kind == XF_Y_SEQ) {
        for (size_t i = 0; i < n->n; i++) {
            const struct xf_ynode *it = n->items[i];
            if (it->kind != XF_Y_SCALAR)
                return xf_error(l->diags, it->loc, "'%s' must be a list of strings", key);
            xf_list_push(l->a, v.u.l, xf_v_str(it->str));
        }
    } else {
        return xf_error(l->diags, n->loc, "'%s' must be a list of strings", key);
    }
    *out = v;
    return 0;
}

static bool valid_name(struct xf_str s)
{
    if (!s.len || (s.p[0] >= '0' && s.p[0] <= '9'))
        return false;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

static int parse_vars(struct xf_loader *l)
{
    l->cli_vars = xf_v_dict(l->a, 4);
    const char *text = l->opts->vars;
    if (!text || !*xf_str_trim(xf_str_c(text)).p)
        return 0;
    struct xf_source *src = XF_ANEW(l->a, struct xf_source);
    src->path = "--vars";
    src->text = xf_arena_strdup(l->a, text);
    src->len = strlen(text);
    struct xf_ynode *n;
    if (xf_yaml_parse(&n, l->a, src, l->diags) < 0)
        return -1;
    if (n->kind != XF_Y_MAP) {
        struct xf_diag *g =
            xf_diag_add(l->diags, XF_SEV_ERROR, n->loc, "--vars must be a YAML or JSON mapping");
        xf_diag_hint(g, "pass key: value pairs, e.g. --vars '{\"start_date\": \"2024-01-01\"}'");
        return -1;
    }
    l->cli_vars = xf_ynode_value(l->a, n);
    return 0;
}

/* Project vars: globals, then those scoped to this project, then --vars. */
static int project_vars(struct xf_loader *l, const struct xf_ynode *n)
{
    struct xf_project *p = l->p;
    p->vars = xf_v_dict(l->a, 8);
    if (n && !(n->kind == XF_Y_SCALAR && !n->quoted && xf_ynode_value(l->a, n).t == XF_V_NONE)) {
        if (n->kind != XF_Y_MAP)
            return xf_error(l->diags, n->loc, "'vars' must be a mapping of names to values");
        struct xf_value all = xf_ynode_value(l->a, n);
        const struct xf_value *scoped = NULL;
        for (size_t i = 0; i < all.u.d->n; i++) {
            struct xf_dict_ent *e = &all.u.d->ents[i];
            if (xf_str_eqc(e->key, p->name) && e->val.t == XF_V_DICT)
                scoped = &e->val;
            else
                xf_dict_set(l->a, p->vars.u.d, e->key, e->val);
        }
        if (scoped)
            for (size_t i = 0; i < scoped->u.d->n; i++)
                xf_dict_set(l->a, p->vars.u.d, scoped->u.d->ents[i].key, scoped->u.d->ents[i].val);
    }
    for (size_t i = 0; i < l->cli_vars.u.d->n; i++)
        xf_dict_set(l->a, p->vars.u.d, l->cli_vars.u.d->ents[i].key, l->cli_vars.u.d->ents[i].val);
    return 0;
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

enum { TREE_MODELS, TREE_SEEDS, TREE_SNAPSHOTS, TREE_TESTS, TREE_SOURCES, TREE_ANALYSES };
static const char *const tree_names[] = {"models", "seeds",   "snapshots",
                                         "tests",  "sources", "analyses"};

static struct cfgtree *build_tree(struct xf_loader *l, const struct xf_ynode *map,
                                  const struct xf_ynode *key, const char *where, bool top)
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
            xf_loader_config_merge1(l->a, t->conf, k->str, val);
        } else if (v->kind == XF_Y_MAP) {
            const char *sub = xf_arena_printf(l->a, "%s." XF_STR_FMT, where, XF_STR_ARG(k->str));
            struct cfgtree *kid = build_tree(l, v, k, sub, false);
            if (top && !xf_str_eqc(k->str, l->p->name)) {
                const char *cand[] = {l->p->name};
                const char *s = xf_str_suggest(k->str, cand, 1);
                struct xf_diag *g = xf_diag_add(
                    l->diags, XF_SEV_WARNING, k->loc,
                    "'%s' configures project '" XF_STR_FMT "', which is not this project%s%s%s",
                    where, XF_STR_ARG(k->str), s ? " (did you mean '" : "", s ? s : "",
                    s ? "'?)" : "");
                xf_diag_hint(g, "under '%s:', nest folder configs inside '%s:'", where, l->p->name);
                kid->used = true; /* already warned */
            }
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

struct folder_conf {
    struct xf_dict *conf;
    struct cfgtree *at; /* tree node for the folder, or NULL when the path left the tree */
};

static struct xf_value default_config(struct xf_loader *l, enum xf_resource type)
{
    struct xf_arena *a = l->a;
    struct xf_value d = xf_v_dict(a, 12);
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
    default:
        return TREE_MODELS;
    }
}

/*
 * Config for an fqn [project, folders..., name]: defaults, then each level
 * of the tree that matches. Folder levels are cached, so 10,000 models in
 * a few folders cost a few tree walks.
 */
struct xf_value xf_loader_resolve_config(struct xf_loader *l, enum xf_resource type,
                                         const struct xf_value *fqn)
{
    int ti = tree_of(type);
    struct cfgtree *root = l->trees[ti];
    const struct xf_list *parts = fqn->u.l;
    size_t nfolder = parts->n ? parts->n - 1 : 0;

    /* Cache key: tree index, then the folder parts joined by 0x1f. */
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
        struct cfgtree *t = root;
        if (t) {
            t->used = true;
            merge_dict(l->a, d.u.d, t->conf);
        }
        for (size_t i = 0; i < nfolder && t; i++) {
            t = tree_kid(t, parts->items[i].u.s);
            if (t) {
                t->used = true;
                merge_dict(l->a, d.u.d, t->conf);
            }
        }
        fc->conf = d.u.d;
        fc->at = t;
    }
    struct xf_value out = xf_v_dict(l->a, fc->conf->n + 2);
    for (size_t i = 0; i < fc->conf->n; i++)
        xf_dict_set(l->a, out.u.d, fc->conf->ents[i].key, fc->conf->ents[i].val);
    if (fc->at && parts->n) {
        struct cfgtree *leaf = tree_kid(fc->at, parts->items[parts->n - 1].u.s);
        if (leaf) {
            leaf->used = true;
            merge_dict(l->a, out.u.d, leaf->conf);
        }
    }
    return out;
}

/* ---- discovery ---- */

/* ---- the project file ---- */

static int find_project_file(struct xf_loader *l, const char **display, const char **full)
{
    static const char *const names[] = {"xform_project.yml", "dbt_project.yml"};
    for (size_t i = 0; i < 2; i++) {
        const char *f = xf_path_join(l->a, l->p->root, names[i]);
        if (xf_is_file(f)) {
            *display = names[i];
            *full = f;
            return 0;
        }
    }
    struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, XF_NOLOC,
                                    "no xform_project.yml or dbt_project.yml in '%s'", l->p->root);
    xf_diag_hint(g, "run 'xform init' to create a project, or pass --project-dir");
    return -1;
}

static int read_project(struct xf_loader *l, const struct xf_ynode **profile_key)
{
    struct xf_project *p = l->p;
    const char *display, *full;
    if (find_project_file(l, &display, &full) < 0)
        return -1;
    const struct xf_source *src = xf_loader_read(l, display, full, XF_NOLOC);
    if (!src)
        return -1;
    p->project_file = src;
    struct xf_ynode *root;
    if (xf_yaml_parse(&root, l->a, src, l->diags) < 0)
        return -1;
    if (root->kind != XF_Y_MAP)
        return xf_error(l->diags, root->loc, "%s must be a mapping of keys to values", display);
    if (xf_loader_render_tree(l, root, true) < 0)
        return -1;
    p->raw = xf_ynode_value(l->a, root);

    size_t nkeys;
    const char *const *keys = xf_feature_names(XF_FEAT_PROJECT_KEY, &nkeys);
    for (size_t i = 0; i < root->n; i++) {
        const struct xf_ynode *k = root->keys[i];
        if (k->kind != XF_Y_SCALAR)
            continue;
        if (!xf_feature_find(XF_FEAT_PROJECT_KEY, k->str))
            xf_loader_unknown_key(l, k, display, keys, nkeys);
        else
            xf_feature_warn(l->diags, XF_FEAT_PROJECT_KEY, k->str, NULL, k->loc);
    }

    const struct xf_ynode *n = xf_ynode_get(root, "name");
    if (!n) {
        struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, (struct xf_loc){src, 0, 0},
                                        "%s has no 'name'", display);
        xf_diag_hint(g, "add a line like: name: my_project");
        return -1;
    }
    if (xf_loader_want_str(l, n, "name", &p->name) < 0)
        return -1;
    if (!valid_name(n->str)) {
        struct xf_diag *g =
            xf_diag_add(l->diags, XF_SEV_ERROR, n->loc, "invalid project name '%s'", p->name);
        xf_diag_hint(g, "use letters, digits and underscores, starting with a letter");
        return -1;
    }
    int err = 0;
    if ((n = xf_ynode_get(root, "version")))
        p->version = n->kind == XF_Y_SCALAR ? n->str.p : NULL;
    if ((n = xf_ynode_get(root, "profile"))) {
        *profile_key = n;
        err |= xf_loader_want_str(l, n, "profile", &p->profile);
    }
    static const char *const d_models[] = {"models"}, *const d_seeds[] = {"seeds"},
                             *const d_tests[] = {"tests"}, *const d_macros[] = {"macros"},
                             *const d_snaps[] = {"snapshots"}, *const d_an[] = {"analyses"},
                             *const d_clean[] = {"target"};
    const struct xf_ynode *mp = xf_ynode_get(root, "model-paths");
    if (!mp)
        mp = xf_ynode_get(root, "source-paths");
    const struct xf_ynode *sp = xf_ynode_get(root, "seed-paths");
    if (!sp)
        sp = xf_ynode_get(root, "data-paths");
    err |= str_list(l, mp, "model-paths", &p->model_paths, d_models, 1);
    err |= str_list(l, sp, "seed-paths", &p->seed_paths, d_seeds, 1);
    err |= str_list(l, xf_ynode_get(root, "test-paths"), "test-paths", &p->test_paths, d_tests, 1);
    err |=
        str_list(l, xf_ynode_get(root, "macro-paths"), "macro-paths", &p->macro_paths, d_macros, 1);
    err |= str_list(l, xf_ynode_get(root, "snapshot-paths"), "snapshot-paths", &p->snapshot_paths,
                    d_snaps, 1);
    err |= str_list(l, xf_ynode_get(root, "analysis-paths"), "analysis-paths", &p->analysis_paths,
                    d_an, 1);
    err |= str_list(l, xf_ynode_get(root, "clean-targets"), "clean-targets", &p->clean_targets,
                    d_clean, 1);
    if (err)
        return -1;
    const struct xf_ynode *dp = xf_ynode_get(root, "docs-paths");
    if (dp) {
        if (str_list(l, dp, "docs-paths", &p->docs_paths, NULL, 0) < 0)
            return -1;
    } else {
        p->docs_paths = xf_v_list(l->a, 8);
        const struct xf_value *all[] = {&p->model_paths, &p->seed_paths,     &p->test_paths,
                                        &p->macro_paths, &p->snapshot_paths, &p->analysis_paths};
        for (size_t i = 0; i < 6; i++)
            for (size_t j = 0; j < all[i]->u.l->n; j++) {
                bool dup = false;
                for (size_t q = 0; q < p->docs_paths.u.l->n && !dup; q++)
                    dup = xf_value_equal(&p->docs_paths.u.l->items[q], &all[i]->u.l->items[j]);
                if (!dup)
                    xf_list_push(l->a, p->docs_paths.u.l, all[i]->u.l->items[j]);
            }
    }
    p->target_path = "target";
    if ((n = xf_ynode_get(root, "target-path")) &&
        xf_loader_want_str(l, n, "target-path", &p->target_path) < 0)
        return -1;
    if (project_vars(l, xf_ynode_get(root, "vars")) < 0)
        return -1;

    static const char *const hooks[] = {"on-run-start", "on-run-end"};
    struct xf_value *hv[] = {&p->on_run_start, &p->on_run_end};
    for (size_t i = 0; i < 2; i++) {
        if (str_list(l, xf_ynode_get(root, hooks[i]), hooks[i], hv[i], NULL, 0) < 0)
            return -1;
    }
    p->dispatch = xf_v_list(l->a, 0);
    if ((n = xf_ynode_get(root, "dispatch"))) {
        if (n->kind != XF_Y_SEQ)
            return xf_error(l->diags, n->loc,
                            "'dispatch' must be a list of {macro_namespace, search_order}");
        p->dispatch = xf_ynode_value(l->a, n);
    }

    p->config_trees = xf_v_dict(l->a, 6);
    for (int t = 0; t < 6; t++) {
        const struct xf_ynode *tn = xf_ynode_get(root, tree_names[t]);
        if (!tn && t == TREE_TESTS)
            tn = xf_ynode_get(root, "data_tests");
        if (tn && tn->kind != XF_Y_MAP &&
            !(tn->kind == XF_Y_SCALAR && xf_ynode_value(l->a, tn).t == XF_V_NONE))
            return xf_error(l->diags, tn->loc, "'%s' must be a mapping of configs", tree_names[t]);
        l->trees[t] = build_tree(l, tn, NULL, tree_names[t], true);
        l->trees[t]->used = true;
        xf_dict_set(l->a, p->config_trees.u.d, xf_str_c(tree_names[t]),
                    tn ? xf_ynode_value(l->a, tn) : xf_v_dict(l->a, 0));
    }
    return 0;
}

/* Project files xform does not act on yet (packages.yml ...): one warning each. */
static void warn_files(struct xf_loader *l)
{
    size_t n;
    const char *const *files = xf_feature_names(XF_FEAT_FILE, &n);
    for (size_t i = 0; i < n; i++) {
        const char *full = xf_loader_join_path(l->a, l->p->root, files[i]);
        if (!xf_is_file(full))
            continue;
        /* read for the warning's source line only: not a project file */
        struct xf_buf text = XF_BUF_INIT;
        if (xf_read_file(&text, full) < 0) {
            xf_buf_release(&text);
            continue;
        }
        struct xf_source *src = XF_ANEW(l->a, struct xf_source);
        src->path = files[i];
        src->len = text.len;
        src->text = xf_arena_strndup(l->a, text.ptr, text.len);
        xf_buf_release(&text);
        xf_feature_warn(l->diags, XF_FEAT_FILE, xf_str_c(files[i]), NULL,
                        (struct xf_loc){src, 0, 0});
    }
}

int xf_project_load(struct xf_project **out, const struct xf_load_opts *opts,
                    struct xf_diags *diags)
{
    struct xf_project *p = xf_calloc(1, sizeof *p);
    xf_arena_init(&p->arena);
    xf_map_init(&p->by_unique_id);
    *out = p;

    struct xf_loader L = {0}, *l = &L;
    l->p = p;
    l->a = &p->arena;
    l->opts = opts;
    l->diags = diags;
    for (int i = 0; i < 6; i++)
        xf_map_init(&l->names[i]);
    xf_map_init(&l->macro_names);
    xf_map_init(&l->doc_names);
    xf_map_init(&l->source_names);
    xf_map_init(&l->listings);
    xf_map_init(&l->folder_cache);
    xf_buf_init(&l->scratch, 256);

    size_t errors_before = diags->nerrors;
    const char *root = opts && opts->project_dir && *opts->project_dir ? opts->project_dir : ".";
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/')
        rl--;
    p->root = xf_arena_strndup(l->a, root, rl);
    p->model_paths = p->seed_paths = p->test_paths = p->macro_paths = p->snapshot_paths =
        p->analysis_paths = p->docs_paths = p->clean_targets = p->on_run_start = p->on_run_end =
            p->dispatch = xf_v_list(l->a, 0);
    p->vars = p->config_trees = p->raw = xf_v_dict(l->a, 0);
    p->target.settings = xf_v_dict(l->a, 0);

    static const struct xf_load_opts no_opts = {0};
    if (!opts)
        l->opts = opts = &no_opts;

    const struct xf_ynode *profile_key = NULL;
    int err = 0;
    if ((err = parse_vars(l)) < 0)
        goto done;
    if ((err = read_project(l, &profile_key)) < 0)
        goto done;
    warn_files(l);
    for (int t = 0; t < 6; t++)
        l->uid_prefix[t] = xf_loader_cat(l->a, xf_resource_name((enum xf_resource)t), ".", p->name);
    l->uid_prefix_macro = xf_loader_cat(l->a, "macro", ".", p->name);
    if ((err = xf_loader_target(l, profile_key)) < 0)
        goto done;
    p->target.loaded = true;

    xf_loader_discover(l);
    for (size_t i = 0; i < p->nodes.n; i++)
        xf_loader_sync_node(l, p->nodes.v[i]);
    for (size_t i = 0; i < p->sources.n; i++)
        xf_loader_sync_node(l, p->sources.v[i]);
    if (diags->nerrors == errors_before) {
        for (int t = 0; t < 6; t++)
            warn_unused(l, l->trees[t], tree_names[t], 0);
    }
    err = diags->nerrors > errors_before ? -1 : 0;

done:
    for (int i = 0; i < 6; i++)
        xf_map_release(&l->names[i]);
    xf_map_release(&l->macro_names);
    xf_map_release(&l->doc_names);
    xf_map_release(&l->source_names);
    xf_map_release(&l->listings);
    xf_map_release(&l->folder_cache);
    xf_buf_release(&l->scratch);
    return err;
}

void xf_project_free(struct xf_project *p)
{
    if (!p)
        return;
    xf_map_release(&p->by_unique_id);
    for (size_t i = 0; i < p->nworker_arenas; i++)
        xf_arena_release(&p->worker_arenas[i]);
    free(p->worker_arenas);
    xf_arena_release(&p->arena);
    free(p);
}

struct xf_node *xf_project_find(const struct xf_project *p, const char *unique_id)
{
    return xf_map_getc(&p->by_unique_id, unique_id);
}

const char *xf_resource_name(enum xf_resource r)
{
    switch (r) {
    case XF_RES_MODEL:
        return "model";
    case XF_RES_SEED:
        return "seed";
    case XF_RES_SNAPSHOT:
        return "snapshot";
    case XF_RES_TEST:
        return "test";
    case XF_RES_ANALYSIS:
        return "analysis";
    case XF_RES_SOURCE:
        return "source";
    }
    return "unknown";
}

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
