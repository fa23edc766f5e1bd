// SPDX-License-Identifier: MIT
/*
 * Small helpers every part of the project loader shares (project.c,
 * profile.c, schema.c, discover.c, config.c): strings and paths in the
 * load's arena, the unknown-key warning, string scalars, tags/meta sync.
 */
#include <string.h>

#include "util/buf.h"

#include "parser/loader.h"
#include "util/path.h"

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

int xf_parse_ref_text(const char *s, bool *is_source, struct xf_str args[2], const char **end)
{
    while (*s == ' ' || *s == '{')
        s++;
    bool src = strncmp(s, "source", 6) == 0;
    if (!src && strncmp(s, "ref", 3) != 0)
        return -1;
    s += src ? 6 : 3;
    while (*s == ' ')
        s++;
    if (*s++ != '(')
        return -1;
    int na = 0;
    for (;;) {
        while (*s == ' ' || *s == ',')
            s++;
        if (*s == ')')
            break;
        char q = *s;
        if ((q != '\'' && q != '"') || na == 2)
            return -1;
        const char *start = ++s;
        while (*s && *s != q)
            s++;
        if (!*s)
            return -1;
        args[na++] = (struct xf_str){start, (size_t)(s - start)};
        s++;
    }
    *is_source = src;
    *end = s + 1;
    return na;
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
    case XF_RES_EXPOSURE:
        return "exposure";
    case XF_RES_METRIC:
        return "metric";
    case XF_RES_SEMANTIC_MODEL:
        return "semantic_model";
    case XF_RES_SAVED_QUERY:
        return "saved_query";
    case XF_RES_UNIT_TEST:
        return "unit_test";
    }
    return "unknown";
}

struct xf_value xf_loader_fqn(struct xf_loader *l, const char *prefix, const char *rel,
                              const char *name, const char *extra)
{
    struct xf_value f = xf_v_list(l->a, 6);
    xf_list_push(l->a, f.u.l, xf_v_strc(l->u->name));
    if (prefix)
        xf_list_push(l->a, f.u.l, xf_v_strc(prefix));
    const char *s = rel;
    for (const char *slash; (slash = strchr(s, '/')); s = slash + 1)
        xf_list_push(l->a, f.u.l,
                     xf_v_str((struct xf_str){xf_arena_strndup(l->a, s, (size_t)(slash - s)),
                                              (size_t)(slash - s)}));
    if (extra)
        xf_list_push(l->a, f.u.l, xf_v_strc(extra));
    xf_list_push(l->a, f.u.l, xf_v_strc(name));
    return f;
}

struct xf_node *xf_loader_new_node(struct xf_loader *l, enum xf_resource type, const char *name,
                                   const char *rel, const char *ofp, const struct xf_source *src,
                                   const struct xf_tmpl *tmpl, const char checksum[65],
                                   const char *fqn_prefix, const char *fqn_extra)
{
    struct xf_node *n = XF_ANEW(l->a, struct xf_node);
    n->type = type;
    n->name = name;
    n->package = l->u->name;
    n->unique_id = xf_loader_cat(l->a, l->u->uid_prefix[type], ".", name);
    n->path = rel;
    n->original_file_path = ofp;
    n->src = src;
    n->tmpl = tmpl;
    memcpy(n->checksum, checksum, sizeof n->checksum);
    n->fqn = xf_loader_fqn(l, fqn_prefix, rel, name, fqn_extra);
    n->config = xf_loader_resolve_config(l, type, &n->fqn);
    n->description = "";
    n->freshness = xf_v_none();
    xf_loader_sync_node(l, n);
    return n;
}

int xf_loader_strict_keys(struct xf_loader *l, const struct xf_ynode *map, const char *where,
                          const char *const *known, size_t n)
{
    int err = 0;
    for (size_t i = 0; i < map->n; i++) {
        const struct xf_ynode *k = map->keys[i];
        if (k->kind != XF_Y_SCALAR)
            continue;
        bool ok = false;
        for (size_t j = 0; j < n && !ok; j++)
            ok = xf_str_eqc(k->str, known[j]);
        if (ok)
            continue;
        const char *s = xf_str_suggest(k->str, known, n);
        struct xf_diag *d = xf_diag_add(
            l->diags, XF_SEV_ERROR, k->loc, "unknown key '" XF_STR_FMT "' in %s%s%s%s",
            XF_STR_ARG(k->str), where, s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
        if (!s) {
            struct xf_buf b = XF_BUF_INIT;
            for (size_t j = 0; j < n; j++)
                xf_buf_addf(&b, "%s%s", j ? ", " : "", known[j]);
            xf_diag_hint(d, "the keys of %s are: %s", where, b.ptr);
            xf_buf_release(&b);
        }
        err = -1;
    }
    return err;
}

static void append_node(struct xf_loader *l, struct xf_node *n)
{
    struct xf_project *p = l->p;
    n->index = (uint32_t)p->nodes.n;
    xf_avec_push(l->a, &p->nodes, n);
    xf_map_put(&p->by_unique_id, xf_str_c(n->unique_id), n);
}

static bool node_enabled(const struct xf_node *n)
{
    return xf_node_config_bool(n, "enabled", true);
}

/* Names that ref() resolves must be unique among models, seeds and snapshots. */
static int check_name(struct xf_loader *l, struct xf_node *n, struct xf_loc loc)
{
    bool refable = n->type == XF_RES_MODEL || n->type == XF_RES_SEED || n->type == XF_RES_SNAPSHOT;
    struct xf_map *m = refable ? &l->u->names[XF_RES_MODEL] : &l->u->names[n->type];
    bool found;
    void **slot = xf_map_slot(m, xf_str_c(n->name), &found);
    if (!found) {
        *slot = n;
        return 0;
    }
    struct xf_node *o = *slot;
    if (!node_enabled(o) || !node_enabled(n)) {
        if (node_enabled(n))
            *slot = n;
        return 0;
    }
    struct xf_diag *g;
    if (o->type == n->type)
        g = xf_diag_add(l->diags, XF_SEV_ERROR, loc, "duplicate %s name '%s': '%s' and '%s'",
                        xf_resource_name(n->type), n->name, o->original_file_path,
                        n->original_file_path);
    else
        g = xf_diag_add(l->diags, XF_SEV_ERROR, loc, "%s '%s' has the same name as %s '%s' (%s)",
                        xf_resource_name(n->type), n->name, xf_resource_name(o->type), o->name,
                        o->original_file_path);
    xf_diag_hint(g, "ref() finds resources by name: rename one of them");
    return -1;
}

int xf_loader_add_node(struct xf_loader *l, struct xf_node *n, struct xf_loc loc)
{
    if (check_name(l, n, loc) < 0)
        return -1;
    append_node(l, n);
    return 0;
}
