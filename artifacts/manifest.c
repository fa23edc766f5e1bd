// SPDX-License-Identifier: MIT
/*
 * manifest.json in dbt's manifest v12 layout. Each node is built as a
 * jansson object, dumped into one buffer and freed at once, so memory
 * stays flat however large the project; the file is replaced atomically.
 * Key order follows dbt's schema and is the same on every run.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "artifacts/artifacts.h"
#include "artifacts/common.h"
#include "util/hash.h"

#define MANIFEST_SCHEMA "https://schemas.getdbt.com/dbt/manifest/v12.json"

struct mctx {
    const struct xf_project *p;
    const struct xf_graph *g;
    const struct xf_invocation *inv;
    double created_at;
    /*
     * Immutable values shared by every node (jansson counts references):
     * most of a node is defaults, and not allocating them per node halves
     * the time to write a large manifest.
     */
    json_t *arr, *obj, *docs, *contract_cfg, *contract_node, *quoting;
};

static json_t *share(json_t *v)
{
    return json_incref(v);
}

static void set(json_t *o, const char *key, json_t *v)
{
    json_object_set_new_nocheck(o, key, v ? v : json_null());
}

static const char *res_name(enum xf_resource r)
{
    static const char *const names[] = {"model", "seed", "snapshot", "test", "analysis",
                                        "source"};
    return (size_t)r < sizeof names / sizeof names[0] ? names[r] : "model";
}

static const struct xf_value *cfg(const struct xf_node *n, const char *key)
{
    if (n->config.t != XF_V_DICT || !n->config.u.d)
        return NULL;
    return xf_dict_getc(n->config.u.d, key);
}

/* A list of strings from a string or a list value ("tags", "packages" ...). */
static json_t *str_list(const struct mctx *c, const struct xf_value *v)
{
    if (!v || (v->t != XF_V_STR && (v->t != XF_V_LIST || v->u.l->n == 0)))
        return share(c->arr);
    json_t *a = json_array();
    if (v->t == XF_V_STR) {
        json_array_append_new(a, xf_artifacts_value(v));
    } else if (v->t == XF_V_LIST) {
        for (size_t i = 0; i < v->u.l->n; i++) {
            const struct xf_value *e = &v->u.l->items[i];
            if (e->t == XF_V_STR) {
                json_array_append_new(a, xf_artifacts_value(e));
            } else {
                struct xf_buf b = XF_BUF_INIT;
                xf_value_str(&b, e);
                json_array_append_new(a, xf_artifacts_strn(b.ptr, b.len));
                xf_buf_release(&b);
            }
        }
    }
    return a;
}

/* A dict value as an object, or {} when it is anything else. */
static json_t *dict_or_empty(const struct mctx *c, const struct xf_value *v)
{
    if (v && v->t == XF_V_DICT && v->u.d && v->u.d->n)
        return xf_artifacts_value(v);
    return share(c->obj);
}

/* pre-hook / post-hook as dbt's [{sql, transaction, index}]. */
static json_t *hooks(const struct mctx *c, const struct xf_value *v)
{
    if (!v)
        return share(c->arr);
    json_t *a = json_array();
    size_t n = v->t == XF_V_LIST ? v->u.l->n : 1;
    for (size_t i = 0; i < n; i++) {
        const struct xf_value *h = v->t == XF_V_LIST ? &v->u.l->items[i] : v;
        json_t *o = json_object();
        if (h->t == XF_V_DICT && h->u.d) {
            const struct xf_value *sql = xf_dict_getc(h->u.d, "sql");
            const struct xf_value *tr = xf_dict_getc(h->u.d, "transaction");
            set(o, "sql", sql && sql->t == XF_V_STR ? xf_artifacts_value(sql) : json_string(""));
            set(o, "transaction", json_boolean(tr ? xf_value_truthy(tr) : true));
        } else if (h->t == XF_V_NONE || h->t == XF_V_UNDEF) {
            json_decref(o);
            continue;
        } else {
            struct xf_buf b = XF_BUF_INIT;
            xf_value_str(&b, h);
            set(o, "sql", xf_artifacts_strn(b.ptr, b.len));
            xf_buf_release(&b);
            set(o, "transaction", json_true());
        }
        set(o, "index", json_null());
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *docs_obj(const struct mctx *c, const struct xf_value *v)
{
    if (!v || v->t != XF_V_DICT)
        return share(c->docs);
    json_t *o = json_object();
    const struct xf_value *show = v && v->t == XF_V_DICT ? xf_dict_getc(v->u.d, "show") : NULL;
    const struct xf_value *color =
        v && v->t == XF_V_DICT ? xf_dict_getc(v->u.d, "node_color") : NULL;
    set(o, "show", json_boolean(show ? xf_value_truthy(show) : true));
    set(o, "node_color", color && color->t == XF_V_STR ? xf_artifacts_value(color) : json_null());
    return o;
}

static json_t *contract_obj(const struct mctx *c, const struct xf_value *v, bool with_checksum)
{
    if (!v || v->t != XF_V_DICT)
        return share(with_checksum ? c->contract_node : c->contract_cfg);
    json_t *o = json_object();
    const struct xf_value *enf = v && v->t == XF_V_DICT ? xf_dict_getc(v->u.d, "enforced") : NULL;
    const struct xf_value *at = v && v->t == XF_V_DICT ? xf_dict_getc(v->u.d, "alias_types") : NULL;
    set(o, "enforced", json_boolean(enf && xf_value_truthy(enf)));
    set(o, "alias_types", json_boolean(at ? xf_value_truthy(at) : true));
    if (with_checksum)
        set(o, "checksum", json_null());
    return o;
}

/* ---- config ------------------------------------------------------------ */

enum dkind {
    D_NULL,     /* null, or the value as given */
    D_BOOL_T,   /* boolean, default true */
    D_STR,      /* string default `s`, or the value as given */
    D_INT,      /* integer default `i` */
    D_LIST,     /* list of strings, default [] */
    D_OBJ,      /* object, default {} */
    D_HOOKS,
    D_DOCS,
    D_CONTRACT,
    D_MATERIALIZED,
};

struct cdef {
    const char *key;
    enum dkind kind;
    const char *s;
    long i;
};

#define NODE_CONFIG                                                                                \
    {"enabled", D_BOOL_T, NULL, 0}, {"alias", D_NULL, NULL, 0}, {"schema", D_NULL, NULL, 0},       \
        {"database", D_NULL, NULL, 0}, {"tags", D_LIST, NULL, 0}, {"meta", D_OBJ, NULL, 0},        \
        {"group", D_NULL, NULL, 0}, {"materialized", D_MATERIALIZED, NULL, 0},                     \
        {"incremental_strategy", D_NULL, NULL, 0}, {"batch_size", D_NULL, NULL, 0},                \
        {"lookback", D_INT, NULL, 1}, {"begin", D_NULL, NULL, 0},                                  \
        {"persist_docs", D_OBJ, NULL, 0}, {"post-hook", D_HOOKS, NULL, 0},                         \
        {"pre-hook", D_HOOKS, NULL, 0}, {"quoting", D_OBJ, NULL, 0},                               \
        {"column_types", D_OBJ, NULL, 0}, {"full_refresh", D_NULL, NULL, 0},                       \
        {"unique_key", D_NULL, NULL, 0}, {"on_schema_change", D_STR, "ignore", 0},                 \
        {"on_configuration_change", D_STR, "apply", 0}, {"grants", D_OBJ, NULL, 0},                \
        {"packages", D_LIST, NULL, 0}, {"docs", D_DOCS, NULL, 0},                                  \
        {"contract", D_CONTRACT, NULL, 0}, {"event_time", D_NULL, NULL, 0},                        \
        {"concurrent_batches", D_NULL, NULL, 0}

static const struct cdef model_cfg[] = {NODE_CONFIG, {"access", D_STR, "protected", 0}};
static const struct cdef analysis_cfg[] = {NODE_CONFIG};
static const struct cdef seed_cfg[] = {NODE_CONFIG, {"delimiter", D_STR, ",", 0},
                                       {"quote_columns", D_NULL, NULL, 0}};
static const struct cdef snapshot_cfg[] = {
    NODE_CONFIG,
    {"strategy", D_NULL, NULL, 0},
    {"target_schema", D_NULL, NULL, 0},
    {"target_database", D_NULL, NULL, 0},
    {"updated_at", D_NULL, NULL, 0},
    {"check_cols", D_NULL, NULL, 0},
    {"snapshot_meta_column_names", D_OBJ, NULL, 0},
    {"dbt_valid_to_current", D_NULL, NULL, 0},
};
static const struct cdef test_cfg[] = {
    {"enabled", D_BOOL_T, NULL, 0},
    {"alias", D_NULL, NULL, 0},
    {"schema", D_STR, "dbt_test__audit", 0},
    {"database", D_NULL, NULL, 0},
    {"tags", D_LIST, NULL, 0},
    {"meta", D_OBJ, NULL, 0},
    {"group", D_NULL, NULL, 0},
    {"materialized", D_MATERIALIZED, NULL, 0},
    {"severity", D_STR, "ERROR", 0},
    {"store_failures", D_NULL, NULL, 0},
    {"store_failures_as", D_NULL, NULL, 0},
    {"where", D_NULL, NULL, 0},
    {"limit", D_NULL, NULL, 0},
    {"fail_calc", D_STR, "count(*)", 0},
    {"warn_if", D_STR, "!= 0", 0},
    {"error_if", D_STR, "!= 0", 0},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *default_materialized(enum xf_resource r)
{
    switch (r) {
    case XF_RES_SEED:
        return "seed";
    case XF_RES_SNAPSHOT:
        return "snapshot";
    case XF_RES_TEST:
        return "test";
    default:
        return "view";
    }
}

/* A scalar-ish user value where the schema wants a string or null. */
static json_t *str_or_null(const struct xf_value *v)
{
    if (v->t == XF_V_NONE || v->t == XF_V_UNDEF)
        return json_null();
    if (v->t == XF_V_STR)
        return xf_artifacts_value(v);
    struct xf_buf b = XF_BUF_INIT;
    xf_value_str(&b, v);
    json_t *j = xf_artifacts_strn(b.ptr, b.len);
    xf_buf_release(&b);
    return j;
}

static json_t *config_value(const struct mctx *c, const struct cdef *d, const struct xf_value *v,
                            enum xf_resource r)
{
    switch (d->kind) {
    case D_BOOL_T:
        return json_boolean(v ? xf_value_truthy(v) : true);
    case D_STR:
        return v ? str_or_null(v) : json_string(d->s);
    case D_MATERIALIZED:
        return v && v->t == XF_V_STR ? xf_artifacts_value(v) : json_string(default_materialized(r));
    case D_INT:
        return v ? xf_artifacts_value(v) : json_integer(d->i);
    case D_LIST:
        return str_list(c, v);
    case D_OBJ:
        return dict_or_empty(c, v);
    case D_HOOKS:
        return hooks(c, v);
    case D_DOCS:
        return docs_obj(c, v);
    case D_CONTRACT:
        return contract_obj(c, v, false);
    case D_NULL:
        break;
    }
    if (!v)
        return json_null();
    /* keys the schema types as string-or-null: keep lists (unique_key) as they are */
    if (v->t == XF_V_LIST || v->t == XF_V_DICT || v->t == XF_V_BOOL || v->t == XF_V_INT)
        return xf_artifacts_value(v);
    return str_or_null(v);
}

static const struct xf_value *user_cfg(const struct xf_node *n, const char *key)
{
    const struct xf_value *v = cfg(n, key);
    if (!v && !strcmp(key, "pre-hook"))
        v = cfg(n, "pre_hook");
    if (!v && !strcmp(key, "post-hook"))
        v = cfg(n, "post_hook");
    return v;
}

static json_t *config_json(const struct mctx *c, const struct xf_node *n)
{
    const struct cdef *defs;
    size_t ndefs;
    switch (n->type) {
    case XF_RES_SEED:
        defs = seed_cfg, ndefs = N_OF(seed_cfg);
        break;
    case XF_RES_SNAPSHOT:
        defs = snapshot_cfg, ndefs = N_OF(snapshot_cfg);
        break;
    case XF_RES_TEST:
        defs = test_cfg, ndefs = N_OF(test_cfg);
        break;
    case XF_RES_ANALYSIS:
        defs = analysis_cfg, ndefs = N_OF(analysis_cfg);
        break;
    default:
        defs = model_cfg, ndefs = N_OF(model_cfg);
        break;
    }
    json_t *o = json_object();
    for (size_t k = 0; k < ndefs; k++) {
        const struct xf_value *v = user_cfg(n, defs[k].key);
        if (!v && !strcmp(defs[k].key, "tags"))
            v = &n->tags;
        set(o, defs[k].key, config_value(c, &defs[k], v, n->type));
    }
    /* the user's other keys, after dbt's own */
    if (n->config.t == XF_V_DICT && n->config.u.d) {
        const struct xf_dict *d = n->config.u.d;
        for (size_t i = 0; i < d->n; i++) {
            struct xf_str k = d->ents[i].key;
            char *key = xf_strndup(k.p, k.len);
            if (!json_object_get(o, key) && strcmp(key, "pre_hook") && strcmp(key, "post_hook")) {
                json_t *v = xf_artifacts_value(&d->ents[i].val);
                if (json_object_set_new(o, key, v) < 0)
                    json_decref(v);
            }
            free(key);
        }
    }
    return o;
}

/* ---- node pieces ------------------------------------------------------- */

static json_t *columns_json(const struct mctx *c, const struct xf_node *n)
{
    if (!n->columns.n)
        return share(c->obj);
    json_t *o = json_object();
    for (size_t i = 0; i < n->columns.n; i++) {
        const struct xf_column *cl = &n->columns.v[i];
        if (!cl->name)
            continue;
        json_t *col = json_object();
        set(col, "name", xf_artifacts_str(cl->name));
        set(col, "description", xf_artifacts_str(cl->description ? cl->description : ""));
        set(col, "meta", dict_or_empty(c, &cl->meta));
        set(col, "data_type", xf_artifacts_str(cl->data_type));
        set(col, "constraints", share(c->arr));
        set(col, "quote", cl->quote ? json_true() : json_null());
        json_t *cc = json_object();
        set(cc, "meta", dict_or_empty(c, &cl->meta));
        set(cc, "tags", str_list(c, &cl->tags));
        set(col, "config", cc);
        set(col, "tags", str_list(c, &cl->tags));
        set(col, "granularity", json_null());
        set(col, "doc_blocks", share(c->arr));
        if (json_object_set_new(o, cl->name, col) < 0)
            json_decref(col);
    }
    return o;
}

static json_t *fqn_json(const struct mctx *c, const struct xf_node *n)
{
    if (n->fqn.t == XF_V_LIST)
        return str_list(c, &n->fqn);
    json_t *a = json_array();
    json_array_append_new(a, xf_artifacts_str(n->package ? n->package : ""));
    json_array_append_new(a, xf_artifacts_str(n->name));
    return a;
}

static json_t *checksum_json(const struct xf_node *n)
{
    json_t *o = json_object();
    if (n->checksum[0]) {
        set(o, "name", json_string("sha256"));
        set(o, "checksum", json_string(n->checksum));
    } else {
        set(o, "name", json_string("none"));
        set(o, "checksum", json_string(""));
    }
    return o;
}

/* The text between {% snapshot x %} and {% endsnapshot %} (what dbt calls raw_code). */
static json_t *snapshot_body(const struct xf_source *src)
{
    const char *t = src->text, *end = t + src->len;
    const char *open = strstr(t, "snapshot");
    const char *body = NULL, *close = NULL;
    while (open && open > t) {
        const char *q = open;
        while (q > t && (q[-1] == ' ' || q[-1] == '-' || q[-1] == '\t'))
            q--;
        if (q - t >= 2 && q[-1] == '%' && q[-2] == '{') {
            const char *e = strstr(open, "%}");
            body = e ? e + 2 : NULL;
            break;
        }
        open = strstr(open + 8, "snapshot");
    }
    if (body) {
        const char *e = strstr(body, "endsnapshot");
        while (e && e > body) {
            const char *q = e;
            while (q > body && (q[-1] == ' ' || q[-1] == '-' || q[-1] == '\t'))
                q--;
            if (q - body >= 2 && q[-1] == '%' && q[-2] == '{') {
                close = q - 2;
                break;
            }
            e = strstr(e + 11, "endsnapshot");
        }
    }
    if (!body || !close || close > end)
        return xf_artifacts_strn(t, src->len);
    return xf_artifacts_strn(body, (size_t)(close - body));
}

static json_t *raw_code(const struct xf_node *n)
{
    if (n->type == XF_RES_SEED)
        return json_string("");
    if (n->type == XF_RES_TEST && n->decl && n->decl->test_name) {
        const char *name = n->decl->test_name, *dot = strrchr(name, '.');
        struct xf_buf b = XF_BUF_INIT;
        if (dot)
            xf_buf_addf(&b, "{{ %.*s.test_%s(**_dbt_generic_test_kwargs) }}", (int)(dot - name),
                        name, dot + 1);
        else
            xf_buf_addf(&b, "{{ test_%s(**_dbt_generic_test_kwargs) }}", name);
        json_t *j = xf_artifacts_strn(b.ptr, b.len);
        xf_buf_release(&b);
        return j;
    }
    if (!n->src)
        return json_string("");
    if (n->type == XF_RES_SNAPSHOT)
        return snapshot_body(n->src);
    return xf_artifacts_strn(n->src->text, n->src->len);
}

static json_t *refs_json(const struct mctx *c, const struct xf_node *n)
{
    if (!n->refs.n)
        return share(c->arr);
    json_t *a = json_array();
    for (size_t k = 0; k < n->refs.n; k++) {
        const struct xf_dep *d = &n->refs.v[k];
        json_t *r = json_object();
        set(r, "name", xf_artifacts_str(d->name));
        set(r, "package", xf_artifacts_str(d->package));
        set(r, "version", json_null());
        json_array_append_new(a, r);
    }
    return a;
}

static json_t *sources_json(const struct mctx *c, const struct xf_node *n)
{
    if (!n->source_deps.n)
        return share(c->arr);
    json_t *a = json_array();
    for (size_t k = 0; k < n->source_deps.n; k++) {
        const struct xf_dep *d = &n->source_deps.v[k];
        json_t *pair = json_array();
        json_array_append_new(pair, xf_artifacts_str(d->package ? d->package : ""));
        json_array_append_new(pair, xf_artifacts_str(d->name));
        json_array_append_new(a, pair);
    }
    return a;
}

static json_t *depends_on(const struct mctx *c, const struct xf_node *n, bool with_nodes)
{
    json_t *o = json_object();
    json_t *macros = json_array();
    for (size_t k = 0; k < n->macro_deps.n; k++)
        json_array_append_new(macros, xf_artifacts_str(n->macro_deps.v[k]));
    set(o, "macros", macros);
    if (with_nodes) {
        json_t *nodes = json_array();
        uint32_t i = xf_graph_index(c->g, n);
        if (i < c->g->n)
            for (uint32_t k = 0; k < c->g->nparents[i]; k++)
                json_array_append_new(nodes,
                                      xf_artifacts_str(c->g->all[c->g->parents[i][k]]->unique_id));
        set(o, "nodes", nodes);
    }
    return o;
}

static const char *node_schema(const struct mctx *c, const struct xf_node *n)
{
    if (n->schema)
        return n->schema;
    if (c->p->target.schema)
        return c->p->target.schema;
    return "main";
}

static json_t *test_metadata(const struct xf_node *n)
{
    const struct xf_test_decl *d = n->decl;
    json_t *o = json_object();
    const char *name = d->test_name ? d->test_name : "test";
    const char *dot = strrchr(name, '.');
    set(o, "name", xf_artifacts_str(dot ? dot + 1 : name));
    json_t *kw = d->kwargs.t == XF_V_DICT ? xf_artifacts_value(&d->kwargs) : json_object();
    const char *column = n->column_name ? n->column_name : d->column;
    if (column)
        set(kw, "column_name", xf_artifacts_str(column));
    const struct xf_node *on = n->attached;
    if (on) {
        struct xf_buf b = XF_BUF_INIT;
        if (on->type == XF_RES_SOURCE)
            xf_buf_addf(&b, "{{ get_where_subquery(source('%s', '%s')) }}",
                        on->source_name ? on->source_name : "", on->name);
        else
            xf_buf_addf(&b, "{{ get_where_subquery(ref('%s')) }}", on->name);
        set(kw, "model", xf_artifacts_strn(b.ptr, b.len));
        xf_buf_release(&b);
    }
    set(o, "kwargs", kw);
    set(o, "namespace",
        dot ? xf_artifacts_strn(name, (size_t)(dot - name)) : json_null());
    return o;
}

static json_t *node_json(const struct mctx *c, const struct xf_node *n)
{
    const struct xf_project *p = c->p;
    json_t *o = json_object();
    bool generic = n->type == XF_RES_TEST && n->decl;
    set(o, "database", xf_artifacts_str(n->database));
    set(o, "schema", xf_artifacts_str(node_schema(c, n)));
    set(o, "name", xf_artifacts_str(n->name));
    set(o, "resource_type", json_string(res_name(n->type)));
    set(o, "package_name", xf_artifacts_str(n->package ? n->package : p->name));
    set(o, "path", xf_artifacts_str(n->path ? n->path : ""));
    set(o, "original_file_path",
        xf_artifacts_str(n->original_file_path ? n->original_file_path : ""));
    set(o, "unique_id", xf_artifacts_str(n->unique_id));
    set(o, "fqn", fqn_json(c, n));
    set(o, "alias", xf_artifacts_str(n->alias ? n->alias : n->name));
    set(o, "checksum", checksum_json(n));
    set(o, "config", config_json(c, n));
    set(o, "tags", str_list(c, &n->tags));
    set(o, "description", xf_artifacts_str(n->description ? n->description : ""));
    set(o, "columns", columns_json(c, n));
    set(o, "meta", dict_or_empty(c, &n->meta));
    set(o, "group", json_null());
    set(o, "docs", docs_obj(c, cfg(n, "docs")));
    set(o, "patch_path", xf_artifacts_str(n->patch_path));
    set(o, "build_path", json_null());
    set(o, "unrendered_config", dict_or_empty(c, &n->config));
    set(o, "created_at", json_real(c->created_at));
    set(o, "relation_name", xf_artifacts_str(n->relation_name));
    set(o, "raw_code", raw_code(n));
    set(o, "doc_blocks", share(c->arr));
    if (n->type == XF_RES_SEED) {
        set(o, "root_path", xf_artifacts_str(p->root));
        set(o, "depends_on", depends_on(c, n, false));
        return o;
    }
    set(o, "language", json_string("sql"));
    set(o, "refs", refs_json(c, n));
    set(o, "sources", sources_json(c, n));
    set(o, "metrics", share(c->arr));
    set(o, "functions", share(c->arr));
    set(o, "depends_on", depends_on(c, n, true));
    if (n->compiled_code) {
        struct xf_buf b = XF_BUF_INIT;
        xf_buf_addf(&b, "%s/compiled/%s/%s", p->target_path ? p->target_path : "target",
                    n->package ? n->package : p->name ? p->name : "",
                    n->original_file_path ? n->original_file_path : "");
        if (generic)
            xf_buf_addf(&b, "/%s.sql", n->name);
        set(o, "compiled_path", xf_artifacts_strn(b.ptr, b.len));
        xf_buf_release(&b);
    } else {
        set(o, "compiled_path", json_null());
    }
    set(o, "compiled", json_boolean(n->compiled_code != NULL));
    set(o, "compiled_code", xf_artifacts_str(n->compiled_code));
    set(o, "extra_ctes_injected", json_boolean(n->compiled_code != NULL));
    set(o, "extra_ctes", share(c->arr));
    set(o, "contract", contract_obj(c, cfg(n, "contract"), true));
    if (n->type == XF_RES_MODEL) {
        const struct xf_value *access = cfg(n, "access");
        set(o, "access", access && access->t == XF_V_STR ? xf_artifacts_value(access)
                                                         : json_string("protected"));
        set(o, "constraints", share(c->arr));
        set(o, "version", json_null());
        set(o, "latest_version", json_null());
        set(o, "deprecation_date", json_null());
        set(o, "primary_key", share(c->arr));
        set(o, "time_spine", json_null());
    }
    if (generic) {
        const char *column = n->column_name ? n->column_name : n->decl->column;
        set(o, "column_name", xf_artifacts_str(column));
        const struct xf_node *on = n->attached;
        if (on && on->type == XF_RES_SOURCE) {
            struct xf_buf b = XF_BUF_INIT;
            xf_buf_addf(&b, "sources.%s", on->source_name ? on->source_name : "");
            set(o, "file_key_name", xf_artifacts_strn(b.ptr, b.len));
            xf_buf_release(&b);
        } else if (on) {
            struct xf_buf b = XF_BUF_INIT;
            xf_buf_addf(&b, "%ss.%s", res_name(on->type), on->name);
            set(o, "file_key_name", xf_artifacts_strn(b.ptr, b.len));
            xf_buf_release(&b);
        } else {
            set(o, "file_key_name", json_null());
        }
        set(o, "attached_node", on ? xf_artifacts_str(on->unique_id) : json_null());
        set(o, "test_metadata", test_metadata(n));
    }
    return o;
}

static json_t *freshness_json(const struct xf_value *v)
{
    json_t *o = json_object();
    static const char *const keys[] = {"warn_after", "error_after"};
    for (int k = 0; k < 2; k++) {
        const struct xf_value *t = v && v->t == XF_V_DICT ? xf_dict_getc(v->u.d, keys[k]) : NULL;
        json_t *time = json_object();
        const struct xf_value *count =
            t && t->t == XF_V_DICT ? xf_dict_getc(t->u.d, "count") : NULL;
        const struct xf_value *period =
            t && t->t == XF_V_DICT ? xf_dict_getc(t->u.d, "period") : NULL;
        set(time, "count", count && count->t == XF_V_INT ? json_integer(count->u.i) : json_null());
        set(time, "period", period && period->t == XF_V_STR ? xf_artifacts_value(period)
                                                            : json_null());
        set(o, keys[k], time);
    }
    const struct xf_value *filter = v && v->t == XF_V_DICT ? xf_dict_getc(v->u.d, "filter") : NULL;
    set(o, "filter", filter && filter->t == XF_V_STR ? xf_artifacts_value(filter) : json_null());
    return o;
}

static json_t *source_json(const struct mctx *c, const struct xf_node *n)
{
    const struct xf_project *p = c->p;
    json_t *o = json_object();
    bool no_freshness = n->freshness.t == XF_V_NONE;
    set(o, "database", xf_artifacts_str(n->database));
    set(o, "schema", xf_artifacts_str(n->schema ? n->schema : n->source_name));
    set(o, "name", xf_artifacts_str(n->name));
    set(o, "resource_type", json_string("source"));
    set(o, "package_name", xf_artifacts_str(n->package ? n->package : p->name));
    set(o, "path", xf_artifacts_str(n->path ? n->path : ""));
    set(o, "original_file_path",
        xf_artifacts_str(n->original_file_path ? n->original_file_path : ""));
    set(o, "unique_id", xf_artifacts_str(n->unique_id));
    set(o, "fqn", fqn_json(c, n));
    set(o, "source_name", xf_artifacts_str(n->source_name ? n->source_name : ""));
    set(o, "source_description",
        xf_artifacts_str(n->source_description ? n->source_description : ""));
    const struct xf_value *loader = cfg(n, "loader");
    set(o, "loader", loader && loader->t == XF_V_STR ? xf_artifacts_value(loader)
                                                     : json_string(""));
    set(o, "identifier", xf_artifacts_str(n->identifier ? n->identifier : n->name));
    set(o, "quoting", share(c->quoting));
    set(o, "loaded_at_field", xf_artifacts_str(n->loaded_at_field));
    set(o, "loaded_at_query", json_null());
    set(o, "freshness", no_freshness ? json_null() : freshness_json(&n->freshness));
    set(o, "external", json_null());
    set(o, "description", xf_artifacts_str(n->description ? n->description : ""));
    set(o, "columns", columns_json(c, n));
    set(o, "meta", dict_or_empty(c, &n->meta));
    set(o, "source_meta", share(c->obj));
    set(o, "tags", str_list(c, &n->tags));
    json_t *cfgo = json_object();
    const struct xf_value *en = cfg(n, "enabled");
    set(cfgo, "enabled", json_boolean(en ? xf_value_truthy(en) : true));
    set(cfgo, "event_time", json_null());
    set(cfgo, "freshness", no_freshness ? json_null() : freshness_json(&n->freshness));
    set(cfgo, "loaded_at_field", xf_artifacts_str(n->loaded_at_field));
    set(cfgo, "loaded_at_query", json_null());
    set(cfgo, "meta", dict_or_empty(c, &n->meta));
    set(cfgo, "tags", str_list(c, &n->tags));
    set(o, "config", cfgo);
    set(o, "patch_path", json_null());
    set(o, "unrendered_config", dict_or_empty(c, &n->config));
    set(o, "relation_name", xf_artifacts_str(n->relation_name));
    set(o, "created_at", json_real(c->created_at));
    set(o, "unrendered_database", json_null());
    set(o, "unrendered_schema", json_null());
    set(o, "doc_blocks", share(c->arr));
    return o;
}

/* The whole {% macro %} ... {% endmacro %} text of a macro. */
static json_t *macro_sql(const struct xf_macro_def *m)
{
    const struct xf_block *b = m->block;
    const struct xf_source *src = b ? b->loc.src : m->src;
    if (!b || !src)
        return json_string("");
    size_t start = b->loc.off;
    size_t end = b->body.p ? (size_t)(b->body.p - src->text) + b->body.len : start + b->loc.len;
    if (end > src->len || start > end)
        return json_string("");
    const char *close = end < src->len ? strstr(src->text + end, "%}") : NULL;
    if (close)
        end = (size_t)(close - src->text) + 2;
    return xf_artifacts_strn(src->text + start, end - start);
}

static json_t *macro_json(const struct mctx *c, const struct xf_macro_def *m)
{
    json_t *o = json_object();
    set(o, "name", xf_artifacts_str(m->name));
    set(o, "resource_type", json_string("macro"));
    set(o, "package_name", xf_artifacts_str(m->package ? m->package : c->p->name));
    set(o, "path", xf_artifacts_str(m->path ? m->path : ""));
    set(o, "original_file_path",
        xf_artifacts_str(m->original_file_path ? m->original_file_path : ""));
    set(o, "unique_id", xf_artifacts_str(m->unique_id));
    set(o, "macro_sql", macro_sql(m));
    json_t *dep = json_object();
    set(dep, "macros", json_array());
    set(o, "depends_on", dep);
    set(o, "description", xf_artifacts_str(m->description ? m->description : ""));
    set(o, "meta", share(c->obj));
    set(o, "docs", share(c->docs));
    set(o, "patch_path", json_null());
    set(o, "arguments", share(c->arr));
    set(o, "created_at", json_real(c->created_at));
    set(o, "supported_languages", json_null());
    return o;
}

static json_t *doc_json(const struct mctx *c, const struct xf_doc_def *d)
{
    json_t *o = json_object();
    set(o, "name", xf_artifacts_str(d->name));
    set(o, "resource_type", json_string("doc"));
    set(o, "package_name", xf_artifacts_str(d->package ? d->package : c->p->name));
    set(o, "path", xf_artifacts_str(d->path ? d->path : ""));
    set(o, "original_file_path",
        xf_artifacts_str(d->original_file_path ? d->original_file_path : ""));
    set(o, "unique_id", xf_artifacts_str(d->unique_id));
    set(o, "block_contents", d->text.p ? xf_artifacts_strn(d->text.p, d->text.len)
                                       : json_string(""));
    return o;
}

/* ---- the file ------------------------------------------------------------ */

/*
 * Appends `"key":value` (a comma first unless it opens the object) and
 * frees `v`. One dump per member: {key: v} with JSON_EMBED drops the braces.
 */
static void member(struct xf_buf *out, bool *first, const char *key, json_t *v)
{
    if (!*first)
        xf_buf_addch(out, ',');
    *first = false;
    json_t *wrap = json_object();
    if (json_object_set_new(wrap, key, v) == 0) {
        xf_artifacts_dump_embedded(out, wrap);
    } else { /* a key that is not UTF-8 */
        xf_artifacts_key(out, key);
        xf_artifacts_dump(out, v);
        json_decref(v);
    }
    json_decref(wrap);
}

static int cmp_uid(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* parent_map / child_map: every enabled node and source, neighbours sorted as in dbt. */
static void write_map(struct xf_buf *out, const struct xf_graph *g, bool parents)
{
    bool first = true;
    const char **ids = xf_malloc((g->n + 1) * sizeof *ids);
    xf_buf_addch(out, '{');
    for (uint32_t i = 0; i < g->n; i++) {
        if (g->disabled[i])
            continue;
        uint32_t cnt = parents ? g->nparents[i] : g->nchildren[i];
        const uint32_t *nb = parents ? g->parents[i] : g->children[i];
        for (uint32_t k = 0; k < cnt; k++)
            ids[k] = g->all[nb[k]]->unique_id;
        qsort(ids, cnt, sizeof *ids, cmp_uid);
        json_t *a = json_array();
        for (uint32_t k = 0; k < cnt; k++)
            json_array_append_new(a, xf_artifacts_str(ids[k]));
        member(out, &first, g->all[i]->unique_id, a);
    }
    xf_buf_addch(out, '}');
    free(ids);
}

int xf_write_manifest(const char *dir, const struct xf_project *p, const struct xf_graph *g,
                      const struct xf_invocation *inv)
{
    struct mctx c = {.p = p, .g = g, .inv = inv};
    c.created_at = xf_artifacts_parse_time(inv->generated_at, (double)time(NULL));
    c.arr = json_array();
    c.obj = json_object();
    c.docs = json_pack("{s:b,s:n}", "show", 1, "node_color");
    c.contract_cfg = json_pack("{s:b,s:b}", "enforced", 0, "alias_types", 1);
    c.contract_node = json_pack("{s:b,s:b,s:n}", "enforced", 0, "alias_types", 1, "checksum");
    c.quoting = json_pack("{s:n,s:n,s:n,s:n}", "database", "schema", "identifier", "column");
    struct xf_buf out = XF_BUF_INIT;
    bool top = true, first;
    xf_buf_grow(&out, 4096 + g->n * 4096);
    xf_buf_addch(&out, '{');

    json_t *meta = xf_artifacts_metadata(MANIFEST_SCHEMA, inv);
    char project_id[33];
    const char *pname = p->name ? p->name : "";
    xf_md5_hex(project_id, pname, strlen(pname));
    set(meta, "project_name", xf_artifacts_str(p->name));
    set(meta, "project_id", json_string(project_id));
    set(meta, "user_id", json_null());
    set(meta, "send_anonymous_usage_stats", json_false());
    set(meta, "adapter_type", xf_artifacts_str(inv->adapter_type));
    member(&out, &top, "metadata", meta);

    /* nodes: enabled ones; disabled ones go to "disabled" like dbt */
    xf_buf_adds(&out, ",\"nodes\":{");
    first = true;
    for (size_t i = 0; i < p->nodes.n; i++)
        if (!g->disabled[i])
            member(&out, &first, p->nodes.v[i]->unique_id, node_json(&c, p->nodes.v[i]));
    xf_buf_adds(&out, "},\"sources\":{");
    first = true;
    for (size_t i = 0; i < p->sources.n; i++)
        if (!g->disabled[p->nodes.n + i])
            member(&out, &first, p->sources.v[i]->unique_id, source_json(&c, p->sources.v[i]));
    xf_buf_adds(&out, "},\"macros\":{");
    first = true;
    for (size_t i = 0; i < p->macros.n; i++)
        member(&out, &first, p->macros.v[i]->unique_id, macro_json(&c, p->macros.v[i]));
    xf_buf_adds(&out, "},\"docs\":{");
    first = true;
    for (size_t i = 0; i < p->docs.n; i++)
        member(&out, &first, p->docs.v[i]->unique_id, doc_json(&c, p->docs.v[i]));
    xf_buf_adds(&out, "},\"exposures\":{},\"metrics\":{},\"groups\":{},\"selectors\":{},"
                      "\"disabled\":{");
    first = true;
    for (size_t i = 0; i < g->n; i++) {
        if (!g->disabled[i])
            continue;
        const struct xf_node *n = g->all[i];
        json_t *a = json_array();
        json_array_append_new(a, n->type == XF_RES_SOURCE ? source_json(&c, n) : node_json(&c, n));
        member(&out, &first, n->unique_id, a);
    }
    xf_buf_adds(&out, "},\"parent_map\":");
    write_map(&out, g, true);
    xf_buf_adds(&out, ",\"child_map\":");
    write_map(&out, g, false);
    xf_buf_adds(&out, ",\"group_map\":{},\"saved_queries\":{},\"semantic_models\":{},"
                      "\"unit_tests\":{}}\n");

    json_decref(c.arr);
    json_decref(c.obj);
    json_decref(c.docs);
    json_decref(c.contract_cfg);
    json_decref(c.contract_node);
    json_decref(c.quoting);

    int err = xf_artifacts_write(dir, "manifest.json", &out);
    xf_buf_release(&out);
    return err;
}
