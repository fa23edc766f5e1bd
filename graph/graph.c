// SPDX-License-Identifier: MIT
/*
 * Building the dependency graph: ref() and source() calls resolved to
 * nodes (unknown names get a "did you mean"), edges in both directions,
 * a cycle check that names every edge of the cycle, and a deterministic
 * topological order. Linear in nodes + edges apart from the heap that
 * breaks ties by node index.
 */
#include "graph/graph.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

const char *xf_graph_describe(struct xf_arena *a, const struct xf_node *n)
{
    if (n->type == XF_RES_SOURCE)
        return xf_arena_printf(a, "source '%s.%s'", n->source_name ? n->source_name : "", n->name);
    if (n->type >= XF_RES_EXPOSURE) { /* "unit test 'x'", "semantic model 'y'" */
        char *kind = xf_arena_strdup(a, xf_resource_name(n->type));
        for (char *p = kind; *p; p++)
            if (*p == '_')
                *p = ' ';
        return xf_arena_printf(a, "%s '%s'", kind, n->name);
    }
    return xf_arena_printf(a, "%s '%s'", xf_resource_name(n->type), n->name);
}

uint32_t xf_graph_index(const struct xf_graph *g, const struct xf_node *n)
{
    if (n->type == XF_RES_SOURCE)
        return (uint32_t)g->project->nodes.n + n->index;
    if (n->type >= XF_RES_EXPOSURE)
        return (uint32_t)(g->project->nodes.n + g->project->sources.n) + n->index;
    return n->index;
}

/* As the loader reads it ("false" written as a string is false too). */
static bool node_enabled(const struct xf_node *n)
{
    if (n->config.t != XF_V_DICT || !n->config.u.d)
        return true;
    return xf_node_config_bool(n, "enabled", true);
}

/* Is this a resource ref() can point at? */
static bool refable(const struct xf_node *n)
{
    return n->type == XF_RES_MODEL || n->type == XF_RES_SEED || n->type == XF_RES_SNAPSHOT;
}

struct build {
    struct xf_graph *g;
    struct xf_project *p;
    struct xf_diags *diags;
    struct xf_map names;    /* ref-able name -> index + 1 of the first node */
    uint32_t *next_same;    /* chain of nodes with the same name */
    struct xf_map sources;  /* "source.table" -> source node */
    struct xf_map others;   /* "metric\x1fname" ... -> exposure, metric ... node */
    const char **ref_names; /* lazily built suggestion candidates */
    size_t nref_names;
    const char **src_names;
    size_t nsrc_names;
    uint32_t *stamp;   /* dedupe edges: stamp[parent] == child */
    uint32_t *pool;    /* every parent list, back to back */
    struct xf_buf key; /* scratch for "source.table" lookups */
    size_t npool;
    int errors;
};

static const char *suggest_ref(struct build *b, const char *name)
{
    if (!b->ref_names) {
        b->ref_names = xf_malloc((b->p->nodes.n + 1) * sizeof *b->ref_names);
        for (size_t i = 0; i < b->p->nodes.n; i++) {
            const struct xf_node *n = b->p->nodes.v[i];
            if (refable(n) && !b->g->disabled[i])
                b->ref_names[b->nref_names++] = n->name;
        }
    }
    return xf_str_suggest(xf_str_c(name), b->ref_names, b->nref_names);
}

static const char *suggest_source(struct build *b, const char *name)
{
    if (!b->src_names) {
        b->src_names = xf_malloc((b->p->sources.n + 1) * sizeof *b->src_names);
        for (size_t i = 0; i < b->p->sources.n; i++) {
            const struct xf_node *n = b->p->sources.v[i];
            if (!b->g->disabled[b->p->nodes.n + i])
                b->src_names[b->nsrc_names++] =
                    xf_arena_printf(&b->p->arena, "%s.%s", n->source_name, n->name);
        }
    }
    return xf_str_suggest(xf_str_c(name), b->src_names, b->nsrc_names);
}

/*
 * Finds the target of ref([package,] name). Among nodes of that name an
 * enabled one wins; then one in the referring node's own package, then
 * one in the root project. *disabled_out says the only match is disabled.
 */
/*
 * Whether node t is the version a ref asks for: ref('m', v=2) names
 * version 2, ref('m') the latest (or the model when it has no versions).
 */
static bool version_ok(const struct xf_node *t, const char *want)
{
    if (!t->version)
        return !want;
    if (want) {
        char *e1, *e2;
        double x = strtod(want, &e1), y = strtod(t->version, &e2);
        if (*want && !*e1 && *t->version && !*e2)
            return x == y;
        return !strcmp(want, t->version);
    }
    return !t->latest_version || !strcmp(t->version, t->latest_version);
}

static struct xf_node *find_ref(struct build *b, const struct xf_node *from, const char *package,
                                const char *name, const char *version, bool *disabled_out)
{
    *disabled_out = false;
    uintptr_t first = (uintptr_t)xf_map_getc(&b->names, name);
    if (first && !package && b->next_same[first - 1] == NONE) {
        if (!version_ok(b->p->nodes.v[first - 1], version))
            return NULL;
        /* one node of that name: the common case, no scoring needed */
        struct xf_node *only = b->p->nodes.v[first - 1];
        *disabled_out = b->g->disabled[first - 1];
        return *disabled_out ? NULL : only;
    }
    struct xf_node *best = NULL;
    int best_score = -1;
    for (uint32_t i = first ? (uint32_t)(first - 1) : NONE; i != NONE; i = b->next_same[i]) {
        struct xf_node *n = b->p->nodes.v[i];
        const char *pkg = n->package ? n->package : b->p->name;
        if (package && (!pkg || strcmp(pkg, package) != 0))
            continue;
        if (!version_ok(n, version))
            continue;
        int score = 0;
        if (!b->g->disabled[i])
            score += 4;
        if (pkg && from->package && strcmp(pkg, from->package) == 0)
            score += 2;
        if (pkg && b->p->name && strcmp(pkg, b->p->name) == 0)
            score += 1;
        if (score >= best_score) { /* the chain runs newest first: ties go to the oldest */
            best = n;
            best_score = score;
        }
    }
    if (best && b->g->disabled[best->index]) {
        *disabled_out = true;
        return NULL;
    }
    return best;
}

static bool known_package(struct build *b, const char *package)
{
    if (b->p->name && strcmp(b->p->name, package) == 0)
        return true;
    for (size_t i = 0; i < b->p->nodes.n; i++) {
        const char *pkg = b->p->nodes.v[i]->package;
        if (pkg && strcmp(pkg, package) == 0)
            return true;
    }
    return false;
}

/*
 * Reports an unresolved dependency of `from`: "<from> depends on <what>".
 * For a test this is a warning and the test is disabled (as dbt does);
 * for anything else an error.
 */
static struct xf_diag *unresolved(struct build *b, struct xf_node *from, struct xf_loc loc,
                                  const char *what, const char *suggestion)
{
    bool test = from->type == XF_RES_TEST;
    struct xf_diag *d = xf_diag_add(b->diags, test ? XF_SEV_WARNING : XF_SEV_ERROR, loc,
                                    "%s depends on %s%s%s%s", xf_graph_describe(&b->p->arena, from),
                                    what, suggestion ? " (did you mean '" : "",
                                    suggestion ? suggestion : "", suggestion ? "'?)" : "");
    if (test) {
        b->g->disabled[from->index] = true;
        xf_diag_hint(d, "the test is disabled until the reference is fixed");
    } else {
        b->errors++;
    }
    return d;
}

static void unresolved_ref(struct build *b, struct xf_node *from, struct xf_loc loc,
                           const char *package, const char *name, bool disabled)
{
    struct xf_arena *a = &b->p->arena;
    struct xf_diag *d;
    if (disabled) {
        d = unresolved(b, from, loc,
                       xf_arena_printf(a, "a node named '%s' which is disabled", name), NULL);
        if (from->type != XF_RES_TEST)
            xf_diag_hint(d, "enable '%s' (config enabled=true) or remove this ref", name);
    } else if (package && !known_package(b, package)) {
        d = unresolved(b, from, loc,
                       xf_arena_printf(a, "a node named '%s' in package '%s' which was not found",
                                       name, package),
                       NULL);
        if (from->type != XF_RES_TEST)
            xf_diag_hint(d, "'%s' is neither this project nor an installed package", package);
    } else {
        const char *pkg = package ? xf_arena_printf(a, " in package '%s'", package) : "";
        unresolved(b, from, loc,
                   xf_arena_printf(a, "a node named '%s'%s which was not found", name, pkg),
                   suggest_ref(b, name));
    }
}

static void unresolved_source(struct build *b, struct xf_node *from, struct xf_loc loc,
                              const char *key, bool disabled)
{
    struct xf_arena *a = &b->p->arena;
    if (disabled) {
        struct xf_diag *d = unresolved(
            b, from, loc, xf_arena_printf(a, "a source named '%s' which is disabled", key), NULL);
        if (from->type != XF_RES_TEST)
            xf_diag_hint(d, "enable the source table (config enabled=true) or remove this "
                            "source() call");
    } else {
        unresolved(b, from, loc, xf_arena_printf(a, "a source named '%s' which was not found", key),
                   suggest_source(b, key));
    }
}

static void add_edge(struct build *b, uint32_t child, uint32_t parent, uint32_t *count)
{
    if (b->stamp[parent] == child)
        return;
    b->stamp[parent] = child;
    b->pool[b->npool++] = parent;
    (*count)++;
}

static bool has_dep(const struct xf_node *n, bool source, const char *a0, const char *a1)
{
    if (source) {
        for (size_t k = 0; k < n->source_deps.n; k++) {
            const struct xf_dep *d = &n->source_deps.v[k];
            if (d->package && strcmp(d->package, a0) == 0 && strcmp(d->name, a1) == 0)
                return true;
        }
        return false;
    }
    for (size_t k = 0; k < n->refs.n; k++)
        if (strcmp(n->refs.v[k].name, a1) == 0)
            return true;
    return false;
}

static void resolve_to(struct build *b, struct xf_node *n, uint32_t i, uint32_t *count)
{
    struct xf_graph *g = b->g;
    const struct xf_value *to = xf_dict_getc(n->decl->kwargs.u.d, "to");
    char args[2][256]; /* each a part of tmp, so shorter */
    char tmp[256];
    if (!to || to->t != XF_V_STR || to->u.s.len >= sizeof tmp)
        return;
    memcpy(tmp, to->u.s.p, to->u.s.len);
    tmp[to->u.s.len] = '\0';
    bool is_source;
    struct xf_str sl[2];
    const char *end;
    int na = xf_parse_ref_text(tmp, &is_source, sl, &end);
    if (na <= 0)
        return;
    for (int k = 0; k < na; k++) {
        memcpy(args[k], sl[k].p, sl[k].len);
        args[k][sl[k].len] = '\0';
    }
    if (!is_source) {
        if (has_dep(n, false, NULL, args[na - 1]))
            return;
        bool disabled;
        struct xf_node *t = find_ref(b, n, na == 2 ? args[0] : NULL, args[na - 1], NULL, &disabled);
        if (t)
            add_edge(b, i, t->index, count);
        else
            unresolved_ref(b, n, n->decl->loc, na == 2 ? args[0] : NULL, args[na - 1], disabled);
    } else if (na == 2) {
        if (has_dep(n, true, args[0], args[1]))
            return;
        xf_buf_reset(&b->key);
        xf_buf_addf(&b->key, "%s.%s", args[0], args[1]);
        struct xf_node *t = xf_map_get(&b->sources, xf_buf_str(&b->key));
        bool disabled = t && g->disabled[xf_graph_index(g, t)];
        if (t && !disabled)
            add_edge(b, i, xf_graph_index(g, t), count);
        else
            unresolved_source(b, n, n->decl->loc, b->key.ptr, disabled);
    }
}

/* metric('m'), a metric's semantic model, a saved query's metrics. */
static void resolve_other(struct build *b, struct xf_node *n, uint32_t i, struct xf_dep *d,
                          uint32_t *count)
{
    struct xf_arena *a = &b->p->arena;
    xf_buf_reset(&b->key);
    xf_buf_addf(&b->key, "%s\x1f%s", d->package, d->name);
    struct xf_node *t = xf_map_get(&b->others, xf_buf_str(&b->key));
    if (t && !b->g->disabled[xf_graph_index(b->g, t)]) {
        d->node = t;
        add_edge(b, i, xf_graph_index(b->g, t), count);
        return;
    }
    if (t) {
        struct xf_diag *g = unresolved(
            b, n, d->loc,
            xf_arena_printf(a, "a %s named '%s' which is disabled", d->package, d->name), NULL);
        xf_diag_hint(g, "enable '%s' (config enabled=true) or remove this reference", d->name);
        return;
    }
    XF_VEC(const char *) cands = {0};
    for (size_t k = 0; k < b->p->others.n; k++)
        if (!strcmp(xf_resource_name(b->p->others.v[k]->type), d->package))
            xf_vec_push(&cands, b->p->others.v[k]->name);
    const char *sug = xf_str_suggest(xf_str_c(d->name), cands.v, cands.n);
    unresolved(b, n, d->loc,
               xf_arena_printf(a, "a %s named '%s' which was not found", d->package, d->name), sug);
    xf_vec_release(&cands);
}

/* Rows given for a seed name only columns of its CSV header ("did you mean"). */
static void check_seed_columns(struct build *b, const struct xf_node *ut,
                               const struct xf_ut_given *gv, const struct xf_node *seed)
{
    const struct xf_csv *csv = seed->csv;
    const char **cols = xf_malloc((csv->ncols + 1) * sizeof *cols);
    for (size_t c = 0; c < csv->ncols; c++)
        cols[c] = xf_arena_strndup(&b->p->arena, csv->header[c].p, csv->header[c].len);
    const struct xf_value *names = &gv->rows.names;
    for (size_t k = 0; names->t == XF_V_LIST && k < names->u.l->n; k++) {
        struct xf_str col = names->u.l->items[k].u.s;
        bool ok = false;
        for (size_t c = 0; c < csv->ncols && !ok; c++)
            ok = xf_str_eqc(col, cols[c]);
        if (ok)
            continue;
        const char *sug = xf_str_suggest(col, cols, csv->ncols);
        struct xf_diag *d = xf_diag_add(
            b->diags, XF_SEV_ERROR, gv->rows.loc,
            "unit test '%s' gives column '" XF_STR_FMT "' for %s, which has no such column%s%s%s",
            ut->name, XF_STR_ARG(col), gv->input, sug ? " (did you mean '" : "", sug ? sug : "",
            sug ? "'?)" : "");
        xf_diag_hint(d, "the columns of seed '%s' are those of %s", seed->name,
                     seed->original_file_path);
        b->errors++;
    }
    free(cols);
}

/*
 * A unit test's given inputs must be what its model reads: a ref() or
 * source() the model calls (or `this`), with "did you mean" over them.
 */
static void check_unit_inputs(struct build *b, struct xf_node *ut, const struct xf_node *model)
{
    struct xf_arena *a = &b->p->arena;
    const struct xf_unit_test *u = ut->unit;
    for (size_t k = 0; k < u->given.n; k++) {
        const struct xf_ut_given *gv = &u->given.v[k];
        if (gv->is_this)
            continue;
        bool found = false;
        XF_VEC(const char *) cands = {0};
        if (gv->is_source) {
            for (size_t j = 0; j < model->source_deps.n; j++) {
                const struct xf_dep *d = &model->source_deps.v[j];
                if (!strcmp(d->package, gv->dep.package) && !strcmp(d->name, gv->dep.name))
                    found = true;
                xf_vec_push(&cands, xf_arena_printf(a, "source('%s', '%s')", d->package, d->name));
            }
        } else {
            for (size_t j = 0; j < model->refs.n; j++) {
                const struct xf_dep *d = &model->refs.v[j];
                if (!strcmp(d->name, gv->dep.name))
                    found = true;
                xf_vec_push(&cands, xf_arena_printf(a, "ref('%s')", d->name));
            }
        }
        if (!found) {
            for (size_t j = 0; !gv->is_source && j < model->source_deps.n; j++)
                xf_vec_push(&cands, xf_arena_printf(a, "source('%s', '%s')",
                                                    model->source_deps.v[j].package,
                                                    model->source_deps.v[j].name));
            const char *sug = xf_str_suggest(xf_str_c(gv->input), cands.v, cands.n);
            struct xf_diag *d = xf_diag_add(
                b->diags, XF_SEV_ERROR, gv->loc,
                "unit test '%s' gives rows for %s, which model '%s' does not read%s%s%s", ut->name,
                gv->input, model->name, sug ? " (did you mean " : "", sug ? sug : "",
                sug ? "?)" : "");
            if (!sug)
                xf_diag_hint(d, "an input is one of the model's ref() or source() calls, or this");
            b->errors++;
        }
        xf_vec_release(&cands);
        /* a seed's columns are known before anything runs: rows must use them */
        const struct xf_node *in = NULL;
        for (size_t j = 0; !gv->is_source && j < model->refs.n && !in; j++)
            if (!strcmp(model->refs.v[j].name, gv->dep.name))
                in = model->refs.v[j].node;
        if (in && in->type == XF_RES_SEED && in->csv)
            check_seed_columns(b, ut, gv, in);
    }
    /* every input the model reads needs rows (a seed defaults to itself, as in dbt) */
    for (size_t j = 0; j < model->refs.n + model->source_deps.n; j++) {
        bool src = j >= model->refs.n;
        const struct xf_dep *d = src ? &model->source_deps.v[j - model->refs.n] : &model->refs.v[j];
        if (!src && d->node && d->node->type == XF_RES_SEED)
            continue;
        bool given = false;
        for (size_t k = 0; k < u->given.n && !given; k++) {
            const struct xf_ut_given *gv = &u->given.v[k];
            given = !gv->is_this && gv->is_source == src && !strcmp(gv->dep.name, d->name) &&
                    (!src || !strcmp(gv->dep.package, d->package));
        }
        if (given)
            continue;
        const char *what = src ? xf_arena_printf(a, "source('%s', '%s')", d->package, d->name)
                               : xf_arena_printf(a, "ref('%s')", d->name);
        struct xf_diag *dg =
            xf_diag_add(b->diags, XF_SEV_ERROR, ut->props_loc,
                        "unit test '%s' gives no rows for %s, which model '%s' reads", ut->name,
                        what, model->name);
        xf_diag_hint(dg, "add '- input: %s' under 'given' (rows: [] for an empty input)", what);
        b->errors++;
    }
}

/* Collects the parents of node i into the pool (in dependency order). */
static void resolve_node(struct build *b, uint32_t i)
{
    struct xf_graph *g = b->g;
    struct xf_node *n = g->all[i];
    uint32_t count = 0;
    g->parents[i] = b->pool + b->npool;
    size_t start = b->npool;

    /* a test of a disabled node is disabled with it, silently (as in dbt) */
    if (n->type == XF_RES_TEST && n->attached && g->disabled[xf_graph_index(g, n->attached)]) {
        g->disabled[i] = true;
        g->nparents[i] = 0;
        return;
    }
    /* a unit test of a disabled model is disabled with it, silently (as a test) */
    if (n->type == XF_RES_UNIT_TEST && n->refs.n) {
        bool disabled;
        find_ref(b, n, NULL, n->refs.v[0].name, n->refs.v[0].version, &disabled);
        if (disabled) {
            g->disabled[i] = true;
            g->nparents[i] = 0;
            return;
        }
    }
    for (size_t k = 0; k < n->refs.n; k++) {
        struct xf_dep *d = &n->refs.v[k];
        bool disabled;
        struct xf_node *t = find_ref(b, n, d->package, d->name, d->version, &disabled);
        d->node = t;
        if (t)
            add_edge(b, i, t->index, &count);
        else
            unresolved_ref(b, n, d->loc, d->package, d->name, disabled);
    }
    for (size_t k = 0; k < n->source_deps.n; k++) {
        struct xf_dep *d = &n->source_deps.v[k];
        xf_buf_reset(&b->key);
        xf_buf_addf(&b->key, "%s.%s", d->package ? d->package : "", d->name);
        struct xf_node *t = xf_map_get(&b->sources, xf_buf_str(&b->key));
        bool disabled = t && g->disabled[xf_graph_index(g, t)];
        d->node = disabled ? NULL : t;
        if (t && !disabled)
            add_edge(b, i, xf_graph_index(g, t), &count);
        else
            unresolved_source(b, n, d->loc, b->key.ptr, disabled);
    }
    for (size_t k = 0; k < n->other_deps.n; k++)
        resolve_other(b, n, i, &n->other_deps.v[k], &count);
    if (n->type == XF_RES_UNIT_TEST && n->unit && n->refs.n && n->refs.v[0].node)
        check_unit_inputs(b, n, n->refs.v[0].node);
    if (n->type == XF_RES_TEST && n->attached)
        add_edge(b, i, xf_graph_index(g, n->attached), &count);
    /* relationships: `to: ref('customers')`, unless the render recorded it already */
    if (n->type == XF_RES_TEST && n->decl && n->decl->kwargs.t == XF_V_DICT)
        resolve_to(b, n, i, &count);
    if (g->disabled[i]) { /* a test disabled above keeps no edges */
        b->npool = start;
        count = 0;
    }
    g->nparents[i] = count;
}

static void heap_push(uint32_t *h, size_t *n, uint32_t v)
{
    size_t i = (*n)++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (h[up] <= v)
            break;
        h[i] = h[up];
        i = up;
    }
    h[i] = v;
}

static uint32_t heap_pop(uint32_t *h, size_t *n)
{
    uint32_t top = h[0], last = h[--*n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && h[c + 1] < h[c])
            c++;
        if (h[c] >= last)
            break;
        h[i] = h[c];
        i = c;
    }
    if (*n)
        h[i] = last;
    return top;
}

/* Where node `child` depends on `parent`: the ref()/source() call, or the test. */
static struct xf_loc edge_loc(const struct xf_graph *g, uint32_t child, uint32_t parent)
{
    const struct xf_node *c = g->all[child], *p = g->all[parent];
    for (size_t k = 0; k < c->refs.n; k++)
        if (c->refs.v[k].node == p)
            return c->refs.v[k].loc;
    for (size_t k = 0; k < c->source_deps.n; k++)
        if (c->source_deps.v[k].node == p)
            return c->source_deps.v[k].loc;
    if (c->decl)
        return c->decl->loc;
    return XF_NOLOC;
}

/*
 * Called when Kahn's algorithm left nodes unordered: each of them still
 * has an unordered parent, so walking parents from the lowest one must
 * come back to a node already on the path. That loop is the cycle.
 */
static int report_cycle(struct xf_graph *g, const bool *done, struct xf_diags *diags)
{
    struct xf_arena *a = &g->project->arena;
    uint32_t *pos = xf_malloc(g->n * sizeof *pos);
    uint32_t *path = xf_malloc(g->n * sizeof *path);
    for (size_t i = 0; i < g->n; i++)
        pos[i] = NONE;
    uint32_t cur = NONE, len = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        if (!done[i]) {
            cur = i;
            break;
        }
    }
    while (pos[cur] == NONE) {
        pos[cur] = len;
        path[len++] = cur;
        uint32_t next = NONE;
        for (uint32_t k = 0; k < g->nparents[cur]; k++) {
            if (!done[g->parents[cur][k]]) {
                next = g->parents[cur][k];
                break;
            }
        }
        cur = next; /* never NONE: an unordered node has an unordered parent */
    }
    uint32_t *cyc = path + pos[cur];
    uint32_t clen = len - pos[cur];
    /* start the cycle at its lowest index so the message is stable */
    uint32_t rot = 0;
    for (uint32_t k = 1; k < clen; k++)
        if (cyc[k] < cyc[rot])
            rot = k;
    struct xf_buf msg = XF_BUF_INIT;
    xf_buf_adds(&msg, "dependency cycle: ");
    for (uint32_t k = 0; k <= clen; k++) {
        if (k)
            xf_buf_adds(&msg, " -> ");
        xf_buf_adds(&msg, xf_graph_describe(a, g->all[cyc[(rot + k) % clen]]));
    }
    uint32_t c0 = cyc[rot], p0 = cyc[(rot + 1) % clen];
    struct xf_diag *d = xf_diag_add(diags, XF_SEV_ERROR, edge_loc(g, c0, p0), "%s", msg.ptr);
    xf_diag_hint(d, "a model cannot depend on itself, directly or through others; remove one "
                    "of these references");
    for (uint32_t k = 1; k < clen; k++) {
        uint32_t c = cyc[(rot + k) % clen], p = cyc[(rot + k + 1) % clen];
        xf_diag_add(diags, XF_SEV_NOTE, edge_loc(g, c, p), "%s depends on %s here",
                    xf_graph_describe(a, g->all[c]), xf_graph_describe(a, g->all[p]));
    }
    xf_buf_release(&msg);
    free(pos);
    free(path);
    return -1;
}

static int order_nodes(struct xf_graph *g, struct xf_diags *diags)
{
    size_t n = g->n;
    uint32_t *indeg = xf_malloc((n + 1) * sizeof *indeg);
    uint32_t *heap = xf_malloc((n + 1) * sizeof *heap);
    bool *done = xf_calloc(n + 1, sizeof *done);
    size_t nheap = 0, norder = 0;
    int err = 0;
    for (uint32_t i = 0; i < n; i++) {
        indeg[i] = g->nparents[i];
        if (!indeg[i])
            heap_push(heap, &nheap, i);
    }
    while (nheap) {
        uint32_t v = heap_pop(heap, &nheap);
        done[v] = true;
        g->order[norder++] = v;
        for (uint32_t k = 0; k < g->nchildren[v]; k++) {
            uint32_t c = g->children[v][k];
            if (--indeg[c] == 0)
                heap_push(heap, &nheap, c);
        }
    }
    if (norder < n)
        err = report_cycle(g, done, diags);
    free(indeg);
    free(heap);
    free(done);
    return err;
}

/* The first two parts of the dot-flattened fqn, as the selector sees them. */
static void hash_names(struct xf_graph *g, const struct xf_project *p, uint32_t i)
{
    const struct xf_node *n = g->all[i];
    struct xf_str part[2] = {{"", 0}, {"", 0}};
    size_t np = 0;
    struct xf_str items[2];
    size_t nitems = 0;
    if (n->fqn.t == XF_V_LIST) {
        for (size_t k = 0; k < n->fqn.u.l->n && nitems < 2; k++)
            if (n->fqn.u.l->items[k].t == XF_V_STR)
                items[nitems++] = n->fqn.u.l->items[k].u.s;
    } else {
        items[nitems++] = xf_str_c(n->package ? n->package : p->name ? p->name : "");
        items[nitems++] = xf_str_c(n->name);
    }
    for (size_t k = 0; k < nitems && np < 2; k++) {
        struct xf_str s = items[k];
        size_t start = 0;
        for (size_t c = 0; c <= s.len && np < 2; c++) {
            if (c == s.len || s.p[c] == '.') {
                part[np++] = xf_str_n(s.p + start, c - start);
                start = c + 1;
            }
        }
    }
    g->name_hash[i] = xf_str_hash(xf_str_c(n->name));
    g->fqn0_hash[i] = np > 0 ? xf_str_hash(part[0]) : 0;
    g->fqn1_hash[i] = np > 1 ? xf_str_hash(part[1]) : 0;
}

int xf_graph_build(struct xf_graph *g, struct xf_project *p, struct xf_diags *diags)
{
    struct xf_arena *a = &p->arena;
    size_t nn = p->nodes.n, ns = p->sources.n, no = p->others.n, n = nn + ns + no;
    struct build b = {.g = g, .p = p, .diags = diags, .key = XF_BUF_INIT};
    int err = 0;

    memset(g, 0, sizeof *g);
    g->project = p;
    g->n = n;
    g->all = XF_ANEWN(a, struct xf_node *, n + 1);
    g->parents = XF_ANEWN(a, uint32_t *, n + 1);
    g->nparents = XF_ANEWN(a, uint32_t, n + 1);
    g->children = XF_ANEWN(a, uint32_t *, n + 1);
    g->nchildren = XF_ANEWN(a, uint32_t, n + 1);
    g->order = XF_ANEWN(a, uint32_t, n + 1);
    g->disabled = XF_ANEWN(a, bool, n + 1);

    xf_map_init(&b.names);
    xf_map_init(&b.sources);
    xf_map_init(&b.others);
    b.next_same = xf_malloc((nn + 1) * sizeof *b.next_same);
    b.stamp = xf_malloc((n + 1) * sizeof *b.stamp);

    size_t maxedges = 0;
    g->name_hash = XF_ANEWN(a, uint64_t, n + 1);
    g->fqn0_hash = XF_ANEWN(a, uint64_t, n + 1);
    g->fqn1_hash = XF_ANEWN(a, uint64_t, n + 1);
    /* one pass over the nodes: the graph is memory-bound, not compute-bound */
    for (size_t i = 0; i < nn; i++) {
        struct xf_node *node = p->nodes.v[i];
        node->index = (uint32_t)i;
        g->all[i] = node;
        g->disabled[i] = !node_enabled(node);
        maxedges += node->refs.n + node->source_deps.n + 2;
        hash_names(g, p, (uint32_t)i);
        /* chains of same-named nodes, newest first (find_ref breaks ties) */
        b.next_same[i] = NONE;
        if (refable(node)) {
            bool found;
            void **slot = xf_map_slot(&b.names, xf_str_c(node->name), &found);
            b.next_same[i] = found ? (uint32_t)((uintptr_t)*slot - 1) : NONE;
            *slot = (void *)(uintptr_t)(i + 1);
        }
    }
    for (size_t i = 0; i < ns; i++) {
        struct xf_node *node = p->sources.v[i];
        node->index = (uint32_t)i;
        g->all[nn + i] = node;
        g->disabled[nn + i] = !node_enabled(node);
        char *key =
            xf_arena_printf(a, "%s.%s", node->source_name ? node->source_name : "", node->name);
        bool found;
        void **slot = xf_map_slot(&b.sources, xf_str_c(key), &found);
        if (!found || g->disabled[xf_graph_index(g, (struct xf_node *)*slot)])
            *slot = node; /* an enabled duplicate wins over a disabled one */
    }
    for (size_t i = 0; i < no; i++) {
        struct xf_node *node = p->others.v[i];
        node->index = (uint32_t)i;
        g->all[nn + ns + i] = node;
        g->disabled[nn + ns + i] = !node_enabled(node);
        maxedges += node->refs.n + node->source_deps.n + node->other_deps.n + 1;
        hash_names(g, p, (uint32_t)(nn + ns + i));
        char *key = xf_arena_printf(a, "%s\x1f%s", xf_resource_name(node->type), node->name);
        bool found;
        void **slot = xf_map_slot(&b.others, xf_str_c(key), &found);
        if (!found)
            *slot = node;
        /* a metric's measure is defined by a semantic model */
        const struct xf_value *ms =
            node->type == XF_RES_SEMANTIC_MODEL && node->props.t == XF_V_DICT
                ? xf_dict_getc(node->props.u.d, "measures")
                : NULL;
        for (size_t k = 0; ms && ms->t == XF_V_LIST && k < ms->u.l->n; k++) {
            const struct xf_value *mn = ms->u.l->items[k].t == XF_V_DICT
                                            ? xf_dict_getc(ms->u.l->items[k].u.d, "name")
                                            : NULL;
            if (!mn || mn->t != XF_V_STR)
                continue;
            key = xf_arena_printf(a, "measure\x1f%.*s", XF_STR_ARG(mn->u.s));
            slot = xf_map_slot(&b.others, xf_str_c(key), &found);
            if (!found)
                *slot = node;
        }
    }
    b.pool = XF_ANEWN(a, uint32_t, maxedges + 1);
    for (size_t i = 0; i < n; i++)
        b.stamp[i] = NONE;
    for (uint32_t i = 0; i < nn; i++) {
        if (g->disabled[i]) {
            g->parents[i] = b.pool + b.npool;
            continue;
        }
        resolve_node(&b, i);
    }
    for (size_t i = nn; i < nn + ns; i++)
        g->parents[i] = b.pool + b.npool;
    for (uint32_t i = (uint32_t)(nn + ns); i < n; i++) {
        if (g->disabled[i]) {
            g->parents[i] = b.pool + b.npool;
            continue;
        }
        resolve_node(&b, i);
    }
    if (b.errors) {
        err = -1;
        goto done;
    }

    /* children: count, carve one block, fill in child index order */
    uint32_t *cpool = XF_ANEWN(a, uint32_t, b.npool + 1);
    for (size_t i = 0; i < n; i++)
        for (uint32_t k = 0; k < g->nparents[i]; k++)
            g->nchildren[g->parents[i][k]]++;
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        g->children[i] = cpool + off;
        off += g->nchildren[i];
        g->nchildren[i] = 0;
    }
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t k = 0; k < g->nparents[i]; k++) {
            uint32_t par = g->parents[i][k];
            g->children[par][g->nchildren[par]++] = i;
        }

    err = order_nodes(g, diags);

done:
    xf_map_release(&b.names);
    xf_map_release(&b.sources);
    xf_map_release(&b.others);
    free(b.next_same);
    free(b.stamp);
    free(b.ref_names);
    free(b.src_names);
    xf_buf_release(&b.key);
    return err;
}
