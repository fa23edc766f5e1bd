// SPDX-License-Identifier: MIT
/*
 * --state DIR: the artifacts of an earlier run (manifest.json written by
 * xform or by dbt-core 1.5+, schema v10 to v12; run_results.json and
 * sources.json when there), compared node by node with the loaded project
 * the way dbt's state: selector does (same_body, same_config,
 * same_database_representation, same_persisted_description,
 * same_contract, and the macros a node calls), and the relations the
 * earlier run built, for --defer and clone.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "artifacts/artifacts.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/path.h"

struct xf_state {
    const char *dir;
    json_t *manifest, *results, *sources, *cur_sources;
    json_t *old_nodes;  /* unique_id -> node (nodes and sources of the manifest) */
    json_t *old_macros; /* unique_id -> macro */
    struct xf_state_marks marks;
    size_t n;
    json_t **old; /* g->n: the node in the state manifest, or NULL (borrowed) */
};

static json_t *read_json(const char *path, bool must, struct xf_diags *d, bool *failed)
{
    json_error_t je;
    struct xf_buf b = XF_BUF_INIT;
    int e = xf_read_file(&b, path);
    if (e < 0) {
        xf_buf_release(&b);
        if (must || e != -ENOENT) {
            struct xf_diag *g =
                xf_diag_add(d, XF_SEV_ERROR, XF_NOLOC, "could not read the state file '%s': %s",
                            path, strerror(-e));
            xf_diag_hint(g, "--state names the folder of an earlier run's artifacts "
                            "(its target/ folder, with manifest.json)");
            *failed = true;
        }
        return NULL;
    }
    json_t *j = json_loadb(b.ptr, b.len, 0, &je);
    xf_buf_release(&b);
    if (!j || !json_is_object(j)) {
        xf_diag_add(d, XF_SEV_ERROR, XF_NOLOC, "'%s' is not a JSON artifact: %s (line %d)", path,
                    j ? "not an object" : je.text, j ? 1 : je.line);
        json_decref(j);
        *failed = true;
        return NULL;
    }
    return j;
}

static const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* ---- comparing one node --------------------------------------------------- */

static void strip(const char **p, size_t *len)
{
    while (*len && isspace((unsigned char)**p))
        (*p)++, (*len)--;
    while (*len && isspace((unsigned char)(*p)[*len - 1]))
        (*len)--;
}

static bool hash_is(const char *want, const char *p, size_t len)
{
    char hex[65];
    xf_sha256_hex(hex, p, len);
    return !strcmp(hex, want);
}

/* `text` with every line ending made "\r\n" (crlf) or "\n". */
static char *line_endings(const char *p, size_t len, bool crlf, size_t *out_len)
{
    char *o = xf_malloc(len * 2 + 1);
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n')
            continue;
        if (p[i] == '\n' && crlf)
            o[k++] = '\r';
        o[k++] = p[i];
    }
    o[k] = '\0';
    *out_len = k;
    return o;
}

/*
 * dbt's checksum is sha256 of the file stripped of surrounding white space,
 * on the bytes as read (so a CRLF checkout differs from an LF one); xform's
 * own is sha256 of the whole file. The file is the same when any of these
 * match, so a checkout with other line endings is not "modified".
 */
static bool same_file(const struct xf_node *n, const char *want)
{
    if (!want || !*want)
        return false;
    if (!strcmp(n->checksum, want))
        return true;
    if (!n->src)
        return false;
    const char *p = n->src->text;
    size_t len = n->src->len;
    strip(&p, &len);
    if (hash_is(want, p, len))
        return true;
    for (int crlf = 0; crlf < 2; crlf++) {
        size_t l2;
        char *t = line_endings(n->src->text, n->src->len, crlf, &l2);
        const char *q = t;
        bool same = hash_is(want, t, l2);
        if (!same) {
            strip(&q, &l2);
            same = hash_is(want, q, l2);
        }
        free(t);
        if (same)
            return true;
    }
    return false;
}

static bool same_body(const struct xf_node *n, const json_t *o)
{
    const json_t *ck = json_object_get(o, "checksum");
    const char *name = jstr(ck, "name"), *sum = jstr(ck, "checksum");
    if (n->type == XF_RES_TEST && n->decl) /* generic: its arguments are in its unique id */
        return true;
    if (!name || !strcmp(name, "none") || !sum || !*sum)
        return !n->src; /* nothing to compare on either side */
    return same_file(n, sum);
}

/* Config values xform resolves that dbt leaves out of unrendered_config when unset. */
static bool is_default(const char *key, const json_t *v)
{
    if (json_is_null(v))
        return true;
    if ((json_is_array(v) && json_array_size(v) == 0) ||
        (json_is_object(v) && json_object_size(v) == 0))
        return true;
    return !strcmp(key, "enabled") && json_is_true(v);
}

/* dbt's NodeConfig.same_contents: every key but database, schema and alias. */
static bool same_config(const json_t *mine, const json_t *old)
{
    const char *key;
    json_t *v;
    const json_t *sides[2] = {mine, old};
    for (int k = 0; k < 2; k++) {
        json_object_foreach((json_t *)sides[k], key, v)
        {
            if (!strcmp(key, "database") || !strcmp(key, "schema") || !strcmp(key, "alias"))
                continue;
            const json_t *w = json_object_get(sides[1 - k], key);
            bool dv = is_default(key, v), dw = !w || is_default(key, w);
            if (dv && dw)
                continue;
            if (!w || !json_equal(v, (json_t *)w))
                return false;
        }
    }
    return true;
}

static bool same_relation(const json_t *mine, const json_t *old)
{
    static const char *const keys[] = {"database", "schema", "alias"};
    for (int k = 0; k < 3; k++) {
        const json_t *a = json_object_get(mine, keys[k]), *b = json_object_get(old, keys[k]);
        bool na = !a || json_is_null(a), nb = !b || json_is_null(b);
        if (na != nb || (!na && !json_equal((json_t *)a, (json_t *)b)))
            return false;
    }
    return true;
}

static bool persist(const struct xf_node *n, const char *what)
{
    const struct xf_value *pd = xf_node_config(n, "persist_docs");
    const struct xf_value *v =
        pd && pd->t == XF_V_DICT && pd->u.d ? xf_dict_getc(pd->u.d, what) : NULL;
    return v && v->t == XF_V_BOOL && v->u.b;
}

static bool str_same(const char *a, const char *b)
{
    return !strcmp(a ? a : "", b ? b : "");
}

static bool same_descriptions(const struct xf_node *n, const json_t *o)
{
    if (persist(n, "relation") && !str_same(n->description, jstr(o, "description")))
        return false;
    if (!persist(n, "columns"))
        return true;
    const json_t *cols = json_object_get(o, "columns");
    if (json_object_size(cols) != n->columns.n)
        return false;
    for (size_t i = 0; i < n->columns.n; i++) {
        const json_t *c = json_object_get(cols, n->columns.v[i].name);
        if (!c || !str_same(n->columns.v[i].description, jstr(c, "description")))
            return false;
    }
    return true;
}

static bool contract_enforced(const json_t *c)
{
    return json_is_true(json_object_get(c, "enforced"));
}

/* dbt's same_contract: enforced on both sides with the same columns and types. */
static bool same_contract(const struct xf_node *n, const json_t *o)
{
    const struct xf_value *c = xf_node_config(n, "contract");
    const struct xf_value *e =
        c && c->t == XF_V_DICT && c->u.d ? xf_dict_getc(c->u.d, "enforced") : NULL;
    bool mine = e && e->t == XF_V_BOOL && e->u.b;
    bool old = contract_enforced(json_object_get(o, "contract"));
    if (!mine && !old)
        return true;
    if (mine != old)
        return false;
    const json_t *cols = json_object_get(o, "columns");
    if (json_object_size(cols) != n->columns.n)
        return false;
    for (size_t i = 0; i < n->columns.n; i++) {
        const json_t *col = json_object_get(cols, n->columns.v[i].name);
        if (!col || !str_same(n->columns.v[i].data_type, jstr(col, "data_type")))
            return false;
    }
    return true;
}

static bool same_fqn(const struct xf_node *n, const json_t *o)
{
    json_t *mine = xf_value_to_json(&n->fqn);
    const json_t *old = json_object_get(o, "fqn");
    bool same = !old || json_is_null(mine) || json_equal(mine, (json_t *)old);
    json_decref(mine);
    return same;
}

/* A source: what dbt's SourceDefinition.same_contents looks at. */
static bool same_source(const struct xf_node *n, const json_t *o)
{
    if (!str_same(n->identifier ? n->identifier : n->name, jstr(o, "identifier")) ||
        !str_same(n->schema, jstr(o, "schema")) ||
        !str_same(n->loaded_at_field, jstr(o, "loaded_at_field")))
        return false;
    json_t *f = xf_value_to_json(&n->freshness);
    const json_t *of = json_object_get(o, "freshness");
    bool same =
        (json_is_null(f) && (!of || json_is_null(of))) || (of && json_equal(f, (json_t *)of));
    json_decref(f);
    return same;
}

/* ---- macros ------------------------------------------------------------- */

/*
 * Macros of packages the current project does not have (dbt's own, an
 * adapter's) are not compared: they come with the tool, not the project.
 */
static bool project_macro_package(const struct xf_project *p, const char *pkg)
{
    if (!pkg || (p->name && !strcmp(pkg, p->name)))
        return true;
    return xf_project_package(p, pkg) != NULL;
}

/* The unique ids of changed, added or removed project macros, as a set. */
static json_t *changed_macros(const struct xf_project *p, const json_t *old)
{
    json_t *set = json_object();
    struct xf_buf sql = XF_BUF_INIT;
    for (size_t i = 0; i < p->macros.n; i++) {
        const struct xf_macro_def *m = p->macros.v[i];
        const json_t *o = json_object_get(old, m->unique_id);
        const struct xf_block *b = m->block;
        if (!o) {
            json_object_set_new(set, m->unique_id, json_true());
            continue;
        }
        const char *was = jstr(o, "macro_sql");
        xf_buf_reset(&sql);
        if (b && b->text.p)
            xf_buf_add(&sql, b->text.p, b->text.len);
        /* the manifest's macro_sql is the block as written; CRLF checkouts are the same macro */
        size_t l1, l2;
        char *x = line_endings(sql.ptr, sql.len, false, &l1);
        char *y = line_endings(was ? was : "", was ? strlen(was) : 0, false, &l2);
        const char *px = x, *py = y;
        strip(&px, &l1);
        strip(&py, &l2);
        if (l1 != l2 || memcmp(px, py, l1) != 0)
            json_object_set_new(set, m->unique_id, json_true());
        free(x);
        free(y);
    }
    const char *id;
    json_t *o;
    json_object_foreach((json_t *)old, id, o)
    {
        if (!project_macro_package(p, jstr(o, "package_name")))
            continue;
        bool found = false;
        for (size_t i = 0; i < p->macros.n && !found; i++)
            found = !strcmp(p->macros.v[i]->unique_id, id);
        if (!found)
            json_object_set_new(set, id, json_true());
    }
    xf_buf_release(&sql);
    return set;
}

static const struct xf_macro_def *find_macro(const struct xf_project *p, const char *id)
{
    for (size_t i = 0; i < p->macros.n; i++)
        if (!strcmp(p->macros.v[i]->unique_id, id))
            return p->macros.v[i];
    return NULL;
}

/* Does a macro in `ids` (or one they call, transitively) appear in `changed`? */
static bool calls_changed(const struct xf_project *p, const char *const *ids, size_t n,
                          const json_t *changed, json_t *seen)
{
    for (size_t i = 0; i < n; i++) {
        if (json_object_get(seen, ids[i]))
            continue;
        json_object_set_new(seen, ids[i], json_true());
        if (json_object_get(changed, ids[i]))
            return true;
        const struct xf_macro_def *m = find_macro(p, ids[i]);
        if (m && calls_changed(p, m->macro_deps.v, m->macro_deps.n, changed, seen))
            return true;
    }
    return false;
}

/* ---- loading ------------------------------------------------------------ */

static int schema_version(const json_t *m)
{
    const char *v = jstr(json_object_get(m, "metadata"), "dbt_schema_version");
    const char *at = v ? strstr(v, "/manifest/v") : NULL;
    if (!at)
        return -1;
    return atoi(at + 11);
}

static void compare(struct xf_state *st, const struct xf_project *p, const struct xf_graph *g)
{
    json_t *changed = changed_macros(p, st->old_macros);
    for (uint32_t i = 0; i < g->n; i++) {
        const struct xf_node *n = g->all[i];
        const json_t *o = n->unique_id ? json_object_get(st->old_nodes, n->unique_id) : NULL;
        st->old[i] = (json_t *)o;
        if (!o)
            continue;
        uint16_t f = XF_STATE_OLD;
        if (n->type == XF_RES_SOURCE) {
            if (!same_source(n, o))
                f |= XF_STATE_MOD_OTHER;
            st->marks.flags[i] = f;
            continue;
        }
        struct xf_arena a;
        xf_arena_init(&a);
        struct xf_value uc = xf_node_unrendered_config(p, n, &a);
        json_t *mine = xf_value_to_json(&uc);
        xf_arena_release(&a);
        if (!json_is_object(mine)) {
            json_decref(mine);
            mine = json_object();
        }
        const json_t *ouc = json_object_get(o, "unrendered_config");
        if (!same_body(n, o))
            f |= XF_STATE_MOD_BODY;
        if (!same_config(mine, ouc))
            f |= XF_STATE_MOD_CONFIGS;
        if (!same_relation(mine, ouc))
            f |= XF_STATE_MOD_RELATION;
        if (!same_descriptions(n, o))
            f |= XF_STATE_MOD_DESCS;
        if (!same_contract(n, o))
            f |= XF_STATE_MOD_CONTRACT;
        if (!same_fqn(n, o))
            f |= XF_STATE_MOD_OTHER;
        json_t *seen = json_object();
        if (json_object_size(changed) &&
            calls_changed(p, n->macro_deps.v, n->macro_deps.n, changed, seen))
            f |= XF_STATE_MOD_MACROS;
        json_decref(seen);
        json_decref(mine);
        st->marks.flags[i] = f;
    }
    json_decref(changed);
}

static void read_results(struct xf_state *st, const struct xf_graph *g)
{
    json_t *by_id = json_object();
    size_t k;
    json_t *r;
    json_array_foreach(json_object_get(st->results, "results"), k, r)
    {
        const char *id = jstr(r, "unique_id");
        if (id && jstr(r, "status"))
            json_object_set(by_id, id, json_object_get(r, "status"));
    }
    for (uint32_t i = 0; i < g->n; i++) {
        const char *id = g->all[i]->unique_id;
        json_t *s = id ? json_object_get(by_id, id) : NULL;
        /* the string lives in st->results, which holds it too */
        st->marks.result[i] = s ? json_string_value(s) : NULL;
    }
    json_decref(by_id);
}

/* max_loaded_at of each source that was checked without a runtime error. */
static json_t *loaded_at(const json_t *sources, json_t **errors)
{
    json_t *m = json_object();
    *errors = json_object();
    size_t k;
    json_t *r;
    json_array_foreach(json_object_get(sources, "results"), k, r)
    {
        const char *id = jstr(r, "unique_id"), *at = jstr(r, "max_loaded_at");
        const char *status = jstr(r, "status");
        if (!id)
            continue;
        if (!at || (status && !strcmp(status, "runtime error")))
            json_object_set_new(*errors, id, json_true());
        else
            json_object_set_new(m, id, json_string(at));
    }
    return m;
}

/* dbt's source_status:fresher: loaded since the state's check (or new), no errors. */
static void read_freshness(struct xf_state *st, const struct xf_graph *g)
{
    json_t *olderr, *curerr;
    json_t *old = loaded_at(st->sources, &olderr), *cur = loaded_at(st->cur_sources, &curerr);
    for (uint32_t i = 0; i < g->n; i++) {
        const char *id = g->all[i]->unique_id;
        const char *now = id ? json_string_value(json_object_get(cur, id)) : NULL;
        if (!now || json_object_get(olderr, id) || json_object_get(curerr, id))
            continue;
        const char *was = json_string_value(json_object_get(old, id));
        /* ISO 8601 in one format on both sides: text order is time order */
        if (!was || strcmp(now, was) > 0)
            st->marks.flags[i] |= XF_STATE_FRESHER;
    }
    json_decref(old);
    json_decref(cur);
    json_decref(olderr);
    json_decref(curerr);
}

int xf_state_load(struct xf_state **out, const char *dir, const char *target_dir,
                  const struct xf_project *p, const struct xf_graph *g, struct xf_diags *d)
{
    *out = NULL;
    struct xf_state *st = xf_calloc(1, sizeof *st);
    bool failed = false;
    struct xf_buf path = XF_BUF_INIT;
    st->dir = dir;
    if (!xf_is_dir(dir)) {
        struct xf_diag *e =
            xf_diag_add(d, XF_SEV_ERROR, XF_NOLOC, "the --state folder '%s' does not exist", dir);
        xf_diag_hint(e, "--state names the folder of an earlier run's artifacts (its target/ "
                        "folder, with manifest.json)");
        goto fail;
    }
    xf_buf_addf(&path, "%s/manifest.json", dir);
    st->manifest = read_json(path.ptr, true, d, &failed);
    if (failed)
        goto fail;
    int v = schema_version(st->manifest);
    if (v < 10 || v > 12) {
        const char *sv = jstr(json_object_get(st->manifest, "metadata"), "dbt_schema_version");
        struct xf_diag *e =
            xf_diag_add(d, XF_SEV_ERROR, XF_NOLOC,
                        "the state manifest '%s' has schema version '%s', which xform cannot "
                        "compare with",
                        path.ptr, sv ? sv : "(none)");
        xf_diag_hint(e, "xform reads manifests of schema v10 to v12 (dbt-core 1.5 and later, "
                        "and xform's own)");
        goto fail;
    }
    const char *pname = jstr(json_object_get(st->manifest, "metadata"), "project_name");
    if (pname && p->name && strcmp(pname, p->name) != 0) {
        struct xf_diag *e = xf_diag_add(d, XF_SEV_ERROR, XF_NOLOC,
                                        "the state manifest '%s' is of project '%s', not '%s'",
                                        path.ptr, pname, p->name);
        xf_diag_hint(e, "point --state at the artifacts of a run of this project");
        goto fail;
    }
    st->old_nodes = json_object();
    const char *sections[] = {"nodes", "sources"};
    for (int k = 0; k < 2; k++) {
        const char *id;
        json_t *o;
        json_object_foreach(json_object_get(st->manifest, sections[k]), id, o)
            json_object_set(st->old_nodes, id, o);
    }
    st->old_macros = json_object_get(st->manifest, "macros");
    if (!json_is_object(st->old_macros))
        st->old_macros = NULL;
    if (!st->old_macros) {
        st->old_macros = json_object();
        json_object_set_new(st->manifest, "xform_empty_macros", st->old_macros);
    }
    xf_buf_reset(&path);
    xf_buf_addf(&path, "%s/run_results.json", dir);
    st->results = read_json(path.ptr, false, d, &failed);
    xf_buf_reset(&path);
    xf_buf_addf(&path, "%s/sources.json", dir);
    st->sources = read_json(path.ptr, false, d, &failed);
    if (target_dir) {
        xf_buf_reset(&path);
        xf_buf_addf(&path, "%s/sources.json", target_dir);
        st->cur_sources = read_json(path.ptr, false, d, &failed);
    }
    if (failed)
        goto fail;
    st->n = g->n;
    st->old = xf_calloc(g->n + 1, sizeof *st->old);
    st->marks.flags = xf_calloc(g->n + 1, sizeof *st->marks.flags);
    st->marks.result = xf_calloc(g->n + 1, sizeof *st->marks.result);
    st->marks.has_results = st->results != NULL;
    st->marks.has_sources = st->sources && st->cur_sources;
    compare(st, p, g);
    if (st->results)
        read_results(st, g);
    if (st->marks.has_sources)
        read_freshness(st, g);
    xf_buf_release(&path);
    *out = st;
    return 0;
fail:
    xf_buf_release(&path);
    xf_state_free(st);
    return -1;
}

const struct xf_state_marks *xf_state_marks(const struct xf_state *st)
{
    return st ? &st->marks : NULL;
}

bool xf_state_relation(const struct xf_state *st, uint32_t i, struct xf_state_relation *out)
{
    memset(out, 0, sizeof *out);
    const json_t *o = st && i < st->n ? st->old[i] : NULL;
    if (!o)
        return false;
    const char *rt = jstr(o, "resource_type");
    if (rt && (!strcmp(rt, "test") || !strcmp(rt, "analysis") || !strcmp(rt, "operation")))
        return false;
    const json_t *cfg = json_object_get(o, "config");
    const char *mat = jstr(cfg, "materialized");
    if (mat && !strcmp(mat, "ephemeral"))
        return false;
    out->database = jstr(o, "database");
    out->schema = jstr(o, "schema");
    out->alias = jstr(o, "alias");
    if (!out->alias)
        out->alias = jstr(o, "identifier");
    if (!out->alias)
        out->alias = jstr(o, "name");
    out->materialized = mat;
    return out->schema && out->alias;
}

void xf_state_free(struct xf_state *st)
{
    if (!st)
        return;
    json_decref(st->manifest);
    json_decref(st->results);
    json_decref(st->sources);
    json_decref(st->cur_sources);
    json_decref(st->old_nodes);
    free(st->old);
    free(st->marks.flags);
    free(st->marks.result);
    free(st);
}
