// SPDX-License-Identifier: MIT
/*
 * manifest.json in dbt's manifest v12 layout, streamed node by node
 * through the JSON writer (artifacts/jsonw.h): memory stays flat however
 * large the project and 10,000 nodes take a fraction of a second. Key
 * order follows dbt's schema and is the same on every run; the file is
 * replaced atomically.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "artifacts/artifacts.h"
#include "artifacts/common.h"
#include "artifacts/jsonw.h"
#include "util/hash.h"

#define MANIFEST_SCHEMA "https://schemas.getdbt.com/dbt/manifest/v12.json"

struct mctx {
    const struct xf_project *p;
    const struct xf_graph *g;
    const struct xf_invocation *inv;
    struct xf_jsonw *w;
    double created_at;
    char created_at_json[64]; /* the number as jansson writes it */
    const char **ids;         /* scratch for sorted neighbour lists */
};

static const char *res_name(enum xf_resource r)
{
    static const char *const names[] = {"model", "seed", "snapshot", "test", "analysis", "source"};
    return (size_t)r < sizeof names / sizeof names[0] ? names[r] : "model";
}

static const struct xf_value *cfg(const struct xf_node *n, const char *key)
{
    if (n->config.t != XF_V_DICT || !n->config.u.d)
        return NULL;
    return xf_dict_getc(n->config.u.d, key);
}

static const struct xf_value *dict_get(const struct xf_value *v, const char *key)
{
    return v && v->t == XF_V_DICT && v->u.d ? xf_dict_getc(v->u.d, key) : NULL;
}

/* The string form of any value, as a JSON string. */
static void value_as_string(struct xf_jsonw *w, const struct xf_value *v)
{
    if (v->t == XF_V_STR) {
        xf_jsonw_value(w, v);
        return;
    }
    struct xf_buf b = XF_BUF_INIT;
    xf_value_str(&b, v);
    xf_jsonw_strn(w, b.ptr, b.len);
    xf_buf_release(&b);
}

/* A list of strings from a string or a list value ("tags", "packages" ...). */
static void str_list(struct xf_jsonw *w, const struct xf_value *v)
{
    xf_jsonw_open_array(w);
    if (v && v->t == XF_V_STR)
        xf_jsonw_value(w, v);
    else if (v && v->t == XF_V_LIST)
        for (size_t i = 0; i < v->u.l->n; i++)
            value_as_string(w, &v->u.l->items[i]);
    xf_jsonw_close_array(w);
}

/* A dict value as an object, or {} when it is anything else. */
static void dict_or_empty(struct xf_jsonw *w, const struct xf_value *v)
{
    if (v && v->t == XF_V_DICT && v->u.d && v->u.d->n)
        xf_jsonw_value(w, v);
    else
        xf_jsonw_raw(w, "{}");
}

/* A string (or null) where the schema wants one: other scalars as text. */
static void str_or_null(struct xf_jsonw *w, const struct xf_value *v)
{
    if (!v || v->t == XF_V_NONE || v->t == XF_V_UNDEF)
        xf_jsonw_null(w);
    else
        value_as_string(w, v);
}

/* pre-hook / post-hook as dbt's [{sql, transaction, index}]. */
static void hooks(struct xf_jsonw *w, const struct xf_value *v)
{
    xf_jsonw_open_array(w);
    size_t n = !v ? 0 : v->t == XF_V_LIST ? v->u.l->n : 1;
    for (size_t i = 0; i < n; i++) {
        const struct xf_value *h = v->t == XF_V_LIST ? &v->u.l->items[i] : v;
        if (h->t == XF_V_NONE || h->t == XF_V_UNDEF)
            continue;
        xf_jsonw_open_object(w);
        xf_jsonw_key(w, "sql");
        if (h->t == XF_V_DICT) {
            const struct xf_value *sql = dict_get(h, "sql"), *tr = dict_get(h, "transaction");
            if (sql)
                value_as_string(w, sql);
            else
                xf_jsonw_str(w, "");
            xf_jsonw_kbool(w, "transaction", tr ? xf_value_truthy(tr) : true);
        } else {
            value_as_string(w, h);
            xf_jsonw_kbool(w, "transaction", true);
        }
        xf_jsonw_kraw(w, "index", "null");
        xf_jsonw_close_object(w);
    }
    xf_jsonw_close_array(w);
}

static void docs_obj(struct xf_jsonw *w, const struct xf_value *v)
{
    const struct xf_value *show = dict_get(v, "show"), *color = dict_get(v, "node_color");
    xf_jsonw_open_object(w);
    xf_jsonw_kbool(w, "show", show ? xf_value_truthy(show) : true);
    xf_jsonw_key(w, "node_color");
    if (color && color->t == XF_V_STR)
        xf_jsonw_value(w, color);
    else
        xf_jsonw_null(w);
    xf_jsonw_close_object(w);
}

static void contract_obj(struct xf_jsonw *w, const struct xf_value *v, bool with_checksum)
{
    const struct xf_value *enf = dict_get(v, "enforced"), *at = dict_get(v, "alias_types");
    xf_jsonw_open_object(w);
    xf_jsonw_kbool(w, "enforced", enf && xf_value_truthy(enf));
    xf_jsonw_kbool(w, "alias_types", at ? xf_value_truthy(at) : true);
    if (with_checksum)
        xf_jsonw_kraw(w, "checksum", "null");
    xf_jsonw_close_object(w);
}

/* ---- config ------------------------------------------------------------ */

enum dkind {
    D_NULL,   /* null, or the value as given */
    D_BOOL_T, /* boolean, default true */
    D_STR,    /* string default `s`, or the value as given */
    D_INT,    /* integer default `i` */
    D_LIST,   /* list of strings, default [] */
    D_OBJ,    /* object, default {} */
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
    {                                                                                              \
        "concurrent_batches", D_NULL, NULL, 0                                                      \
    }

static const struct cdef model_cfg[] = {NODE_CONFIG, {"access", D_STR, "protected", 0}};
static const struct cdef analysis_cfg[] = {NODE_CONFIG};
static const struct cdef seed_cfg[] = {
    NODE_CONFIG, {"delimiter", D_STR, ",", 0}, {"quote_columns", D_NULL, NULL, 0}};
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

static void config_value(struct xf_jsonw *w, const struct cdef *d, const struct xf_value *v,
                         enum xf_resource r)
{
    switch (d->kind) {
    case D_BOOL_T:
        xf_jsonw_bool(w, v ? xf_value_truthy(v) : true);
        return;
    case D_STR:
        if (v)
            str_or_null(w, v);
        else
            xf_jsonw_str(w, d->s);
        return;
    case D_MATERIALIZED:
        if (v && v->t == XF_V_STR)
            xf_jsonw_value(w, v);
        else
            xf_jsonw_str(w, default_materialized(r));
        return;
    case D_INT:
        if (v)
            xf_jsonw_value(w, v);
        else
            xf_jsonw_int(w, d->i);
        return;
    case D_LIST:
        str_list(w, v);
        return;
    case D_OBJ:
        dict_or_empty(w, v);
        return;
    case D_HOOKS:
        hooks(w, v);
        return;
    case D_DOCS:
        docs_obj(w, v);
        return;
    case D_CONTRACT:
        contract_obj(w, v, false);
        return;
    case D_NULL:
        break;
    }
    /* string-or-null keys; lists (unique_key, check_cols) and the like as they are */
    if (v && (v->t == XF_V_LIST || v->t == XF_V_DICT || v->t == XF_V_BOOL || v->t == XF_V_INT))
        xf_jsonw_value(w, v);
    else
        str_or_null(w, v);
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

static bool is_default_key(const struct cdef *defs, size_t ndefs, struct xf_str key)
{
    if (xf_str_eqc(key, "pre_hook") || xf_str_eqc(key, "post_hook"))
        return true;
    for (size_t k = 0; k < ndefs; k++)
        if (xf_str_eqc(key, defs[k].key))
            return true;
    return false;
}

static void config_json(struct xf_jsonw *w, const struct xf_node *n)
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
    xf_jsonw_open_object(w);
    for (size_t k = 0; k < ndefs; k++) {
        const struct xf_value *v = user_cfg(n, defs[k].key);
        if (!v && !strcmp(defs[k].key, "tags"))
            v = &n->tags;
        xf_jsonw_key(w, defs[k].key);
        config_value(w, &defs[k], v, n->type);
    }
    /* the user's other keys, after dbt's own */
    if (n->config.t == XF_V_DICT && n->config.u.d) {
        const struct xf_dict *d = n->config.u.d;
        for (size_t i = 0; i < d->n; i++) {
            if (is_default_key(defs, ndefs, d->ents[i].key))
                continue;
            char *key = xf_strndup(d->ents[i].key.p, d->ents[i].key.len);
            xf_jsonw_key_str(w, key);
            xf_jsonw_value(w, &d->ents[i].val);
            free(key);
        }
    }
    xf_jsonw_close_object(w);
}

/* ---- node pieces ------------------------------------------------------- */

static void columns_json(struct xf_jsonw *w, const struct xf_node *n)
{
    xf_jsonw_open_object(w);
    for (size_t i = 0; i < n->columns.n; i++) {
        const struct xf_column *cl = &n->columns.v[i];
        if (!cl->name)
            continue;
        xf_jsonw_key_str(w, cl->name);
        xf_jsonw_open_object(w);
        xf_jsonw_kstr(w, "name", cl->name);
        xf_jsonw_kstr(w, "description", cl->description ? cl->description : "");
        xf_jsonw_key(w, "meta");
        dict_or_empty(w, &cl->meta);
        xf_jsonw_kstr(w, "data_type", cl->data_type);
        xf_jsonw_kraw(w, "constraints", "[]");
        xf_jsonw_kraw(w, "quote", cl->quote ? "true" : "null");
        xf_jsonw_key(w, "config");
        xf_jsonw_open_object(w);
        xf_jsonw_key(w, "meta");
        dict_or_empty(w, &cl->meta);
        xf_jsonw_key(w, "tags");
        str_list(w, &cl->tags);
        xf_jsonw_close_object(w);
        xf_jsonw_key(w, "tags");
        str_list(w, &cl->tags);
        xf_jsonw_kraw(w, "granularity", "null");
        xf_jsonw_kraw(w, "doc_blocks", "[]");
        xf_jsonw_close_object(w);
    }
    xf_jsonw_close_object(w);
}

static void fqn_json(struct xf_jsonw *w, const struct xf_node *n)
{
    if (n->fqn.t == XF_V_LIST) {
        str_list(w, &n->fqn);
        return;
    }
    xf_jsonw_open_array(w);
    xf_jsonw_str(w, n->package ? n->package : "");
    xf_jsonw_str(w, n->name);
    xf_jsonw_close_array(w);
}

static void checksum_json(struct xf_jsonw *w, const struct xf_node *n)
{
    xf_jsonw_open_object(w);
    xf_jsonw_kstr(w, "name", n->checksum[0] ? "sha256" : "none");
    xf_jsonw_kstr(w, "checksum", n->checksum);
    xf_jsonw_close_object(w);
}

/* Is `word` at p the name of a block tag, as in `{%- word`? */
static bool tag_before(const char *start, const char *p)
{
    while (p > start && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '-'))
        p--;
    return p - start >= 2 && p[-1] == '%' && p[-2] == '{';
}

/* The text between {% snapshot x %} and {% endsnapshot %} (dbt's raw_code). */
static void snapshot_body(struct xf_jsonw *w, const struct xf_source *src)
{
    const char *t = src->text, *body = NULL, *close = NULL;
    for (const char *o = strstr(t, "snapshot"); o && !body; o = strstr(o + 8, "snapshot")) {
        if (tag_before(t, o)) {
            const char *e = strstr(o, "%}");
            body = e ? e + 2 : NULL;
            break;
        }
    }
    for (const char *e = body ? strstr(body, "endsnapshot") : NULL; e;
         e = strstr(e + 11, "endsnapshot")) {
        if (tag_before(body, e)) {
            close = e;
            while (close[-1] != '{')
                close--;
            close--;
            break;
        }
    }
    if (body && close && close >= body)
        xf_jsonw_strn(w, body, (size_t)(close - body));
    else
        xf_jsonw_strn(w, t, src->len);
}

static void raw_code(struct xf_jsonw *w, const struct xf_node *n)
{
    if (n->type == XF_RES_SEED || (!n->src && !(n->type == XF_RES_TEST && n->decl))) {
        xf_jsonw_str(w, "");
    } else if (n->type == XF_RES_TEST && n->decl && n->decl->test_name) {
        const char *name = n->decl->test_name, *dot = strrchr(name, '.');
        struct xf_buf b = XF_BUF_INIT;
        if (dot)
            xf_buf_addf(&b, "{{ %.*s.test_%s(**_dbt_generic_test_kwargs) }}", (int)(dot - name),
                        name, dot + 1);
        else
            xf_buf_addf(&b, "{{ test_%s(**_dbt_generic_test_kwargs) }}", name);
        xf_jsonw_strn(w, b.ptr, b.len);
        xf_buf_release(&b);
    } else if (!n->src) {
        xf_jsonw_str(w, "");
    } else if (n->type == XF_RES_SNAPSHOT) {
        snapshot_body(w, n->src);
    } else {
        xf_jsonw_strn(w, n->src->text, n->src->len);
    }
}

static void refs_json(struct xf_jsonw *w, const struct xf_node *n)
{
    xf_jsonw_open_array(w);
    for (size_t k = 0; k < n->refs.n; k++) {
        const struct xf_dep *d = &n->refs.v[k];
        xf_jsonw_open_object(w);
        xf_jsonw_kstr(w, "name", d->name);
        xf_jsonw_kstr(w, "package", d->package);
        xf_jsonw_kraw(w, "version", "null");
        xf_jsonw_close_object(w);
    }
    xf_jsonw_close_array(w);
}

static void sources_json(struct xf_jsonw *w, const struct xf_node *n)
{
    xf_jsonw_open_array(w);
    for (size_t k = 0; k < n->source_deps.n; k++) {
        const struct xf_dep *d = &n->source_deps.v[k];
        xf_jsonw_open_array(w);
        xf_jsonw_str(w, d->package ? d->package : "");
        xf_jsonw_str(w, d->name);
        xf_jsonw_close_array(w);
    }
    xf_jsonw_close_array(w);
}

static void depends_on(const struct mctx *c, const struct xf_node *n, bool with_nodes)
{
    struct xf_jsonw *w = c->w;
    xf_jsonw_open_object(w);
    xf_jsonw_key(w, "macros");
    xf_jsonw_open_array(w);
    for (size_t k = 0; k < n->macro_deps.n; k++)
        xf_jsonw_str(w, n->macro_deps.v[k]);
    xf_jsonw_close_array(w);
    if (with_nodes) {
        xf_jsonw_key(w, "nodes");
        xf_jsonw_open_array(w);
        uint32_t i = xf_graph_index(c->g, n);
        if (i < c->g->n)
            for (uint32_t k = 0; k < c->g->nparents[i]; k++)
                xf_jsonw_str(w, c->g->all[c->g->parents[i][k]]->unique_id);
        xf_jsonw_close_array(w);
    }
    xf_jsonw_close_object(w);
}

static void test_metadata(struct xf_jsonw *w, const struct xf_node *n)
{
    const struct xf_test_decl *d = n->decl;
    const char *name = d->test_name ? d->test_name : "test";
    const char *dot = strrchr(name, '.');
    xf_jsonw_open_object(w);
    xf_jsonw_kstr(w, "name", dot ? dot + 1 : name);
    xf_jsonw_key(w, "kwargs");
    xf_jsonw_open_object(w);
    if (d->kwargs.t == XF_V_DICT && d->kwargs.u.d) {
        const struct xf_dict *kw = d->kwargs.u.d;
        for (size_t i = 0; i < kw->n; i++) {
            struct xf_str k = kw->ents[i].key;
            if (xf_str_eqc(k, "column_name") || xf_str_eqc(k, "model"))
                continue; /* ours below */
            char *key = xf_strndup(k.p, k.len);
            xf_jsonw_key_str(w, key);
            xf_jsonw_value(w, &kw->ents[i].val);
            free(key);
        }
    }
    const char *column = n->column_name ? n->column_name : d->column;
    if (column)
        xf_jsonw_kstr(w, "column_name", column);
    const struct xf_node *on = n->attached;
    if (on) {
        struct xf_buf b = XF_BUF_INIT;
        if (on->type == XF_RES_SOURCE)
            xf_buf_addf(&b, "{{ get_where_subquery(source('%s', '%s')) }}",
                        on->source_name ? on->source_name : "", on->name);
        else
            xf_buf_addf(&b, "{{ get_where_subquery(ref('%s')) }}", on->name);
        xf_jsonw_key(w, "model");
        xf_jsonw_strn(w, b.ptr, b.len);
        xf_buf_release(&b);
    }
    xf_jsonw_close_object(w);
    xf_jsonw_key(w, "namespace");
    if (dot)
        xf_jsonw_strn(w, name, (size_t)(dot - name));
    else
        xf_jsonw_null(w);
    xf_jsonw_close_object(w);
}

static void node_json(const struct mctx *c, const struct xf_node *n)
{
    const struct xf_project *p = c->p;
    struct xf_jsonw *w = c->w;
    bool generic = n->type == XF_RES_TEST && n->decl;
    xf_jsonw_open_object(w);
    xf_jsonw_kstr(w, "database", n->database);
    xf_jsonw_kstr(w, "schema",
                  n->schema          ? n->schema
                  : p->target.schema ? p->target.schema
                                     : "main");
    xf_jsonw_kstr(w, "name", n->name);
    xf_jsonw_kstr(w, "resource_type", res_name(n->type));
    xf_jsonw_kstr(w, "package_name", n->package ? n->package : p->name);
    xf_jsonw_kstr(w, "path", n->path ? n->path : "");
    xf_jsonw_kstr(w, "original_file_path", n->original_file_path ? n->original_file_path : "");
    xf_jsonw_kstr(w, "unique_id", n->unique_id);
    xf_jsonw_key(w, "fqn");
    fqn_json(w, n);
    xf_jsonw_kstr(w, "alias", n->alias ? n->alias : n->name);
    xf_jsonw_key(w, "checksum");
    checksum_json(w, n);
    xf_jsonw_key(w, "config");
    config_json(w, n);
    xf_jsonw_key(w, "tags");
    str_list(w, &n->tags);
    xf_jsonw_kstr(w, "description", n->description ? n->description : "");
    xf_jsonw_key(w, "columns");
    columns_json(w, n);
    xf_jsonw_key(w, "meta");
    dict_or_empty(w, &n->meta);
    xf_jsonw_kraw(w, "group", "null");
    xf_jsonw_key(w, "docs");
    docs_obj(w, cfg(n, "docs"));
    xf_jsonw_kstr(w, "patch_path", n->patch_path);
    xf_jsonw_kraw(w, "build_path", "null");
    xf_jsonw_key(w, "unrendered_config");
    dict_or_empty(w, &n->config);
    xf_jsonw_kraw(w, "created_at", c->created_at_json);
    xf_jsonw_kstr(w, "relation_name", n->relation_name);
    xf_jsonw_key(w, "raw_code");
    raw_code(w, n);
    xf_jsonw_kraw(w, "doc_blocks", "[]");
    if (n->type == XF_RES_SEED) {
        xf_jsonw_kstr(w, "root_path", p->root);
        xf_jsonw_key(w, "depends_on");
        depends_on(c, n, false);
        xf_jsonw_close_object(w);
        return;
    }
    xf_jsonw_kstr(w, "language", "sql");
    xf_jsonw_key(w, "refs");
    refs_json(w, n);
    xf_jsonw_key(w, "sources");
    sources_json(w, n);
    xf_jsonw_kraw(w, "metrics", "[]");
    xf_jsonw_kraw(w, "functions", "[]");
    xf_jsonw_key(w, "depends_on");
    depends_on(c, n, true);
    xf_jsonw_key(w, "compiled_path");
    if (n->compiled_code) {
        struct xf_buf b = XF_BUF_INIT;
        xf_buf_addf(&b, "%s/compiled/%s/%s", p->target_path ? p->target_path : "target",
                    n->package ? n->package
                    : p->name  ? p->name
                               : "",
                    n->original_file_path ? n->original_file_path : "");
        if (generic)
            xf_buf_addf(&b, "/%s.sql", n->name);
        xf_jsonw_strn(w, b.ptr, b.len);
        xf_buf_release(&b);
    } else {
        xf_jsonw_null(w);
    }
    xf_jsonw_kbool(w, "compiled", n->compiled_code != NULL);
    xf_jsonw_kstr(w, "compiled_code", n->compiled_code);
    xf_jsonw_kbool(w, "extra_ctes_injected", n->compiled_code != NULL);
    xf_jsonw_kraw(w, "extra_ctes", "[]");
    xf_jsonw_key(w, "contract");
    contract_obj(w, cfg(n, "contract"), true);
    if (n->type == XF_RES_MODEL) {
        const struct xf_value *access = cfg(n, "access");
        xf_jsonw_key(w, "access");
        if (access && access->t == XF_V_STR)
            xf_jsonw_value(w, access);
        else
            xf_jsonw_str(w, "protected");
        xf_jsonw_kraw(w, "constraints", "[]");
        xf_jsonw_kraw(w, "version", "null");
        xf_jsonw_kraw(w, "latest_version", "null");
        xf_jsonw_kraw(w, "deprecation_date", "null");
        xf_jsonw_kraw(w, "primary_key", "[]");
        xf_jsonw_kraw(w, "time_spine", "null");
    }
    if (generic) {
        const struct xf_node *on = n->attached;
        xf_jsonw_kstr(w, "column_name", n->column_name ? n->column_name : n->decl->column);
        xf_jsonw_key(w, "file_key_name");
        if (on) {
            struct xf_buf b = XF_BUF_INIT;
            if (on->type == XF_RES_SOURCE)
                xf_buf_addf(&b, "sources.%s", on->source_name ? on->source_name : "");
            else
                xf_buf_addf(&b, "%ss.%s", res_name(on->type), on->name);
            xf_jsonw_strn(w, b.ptr, b.len);
            xf_buf_release(&b);
        } else {
            xf_jsonw_null(w);
        }
        xf_jsonw_kstr(w, "attached_node", on ? on->unique_id : NULL);
        xf_jsonw_key(w, "test_metadata");
        test_metadata(w, n);
    }
    xf_jsonw_close_object(w);
}

static void time_json(struct xf_jsonw *w, const struct xf_value *t)
{
    const struct xf_value *count = dict_get(t, "count"), *period = dict_get(t, "period");
    xf_jsonw_open_object(w);
    xf_jsonw_key(w, "count");
    if (count && count->t == XF_V_INT)
        xf_jsonw_int(w, (long long)count->u.i);
    else
        xf_jsonw_null(w);
    xf_jsonw_key(w, "period");
    if (period && period->t == XF_V_STR)
        xf_jsonw_value(w, period);
    else
        xf_jsonw_null(w);
    xf_jsonw_close_object(w);
}

static void freshness_json(struct xf_jsonw *w, const struct xf_value *v)
{
    if (!v || v->t != XF_V_DICT) {
        xf_jsonw_null(w);
        return;
    }
    const struct xf_value *filter = dict_get(v, "filter");
    xf_jsonw_open_object(w);
    xf_jsonw_key(w, "warn_after");
    time_json(w, dict_get(v, "warn_after"));
    xf_jsonw_key(w, "error_after");
    time_json(w, dict_get(v, "error_after"));
    xf_jsonw_key(w, "filter");
    if (filter && filter->t == XF_V_STR)
        xf_jsonw_value(w, filter);
    else
        xf_jsonw_null(w);
    xf_jsonw_close_object(w);
}

static void source_json(const struct mctx *c, const struct xf_node *n)
{
    const struct xf_project *p = c->p;
    struct xf_jsonw *w = c->w;
    const struct xf_value *loader = cfg(n, "loader"), *en = cfg(n, "enabled");
    xf_jsonw_open_object(w);
    xf_jsonw_kstr(w, "database", n->database);
    xf_jsonw_kstr(w, "schema", n->schema ? n->schema : n->source_name ? n->source_name : "");
    xf_jsonw_kstr(w, "name", n->name);
    xf_jsonw_kstr(w, "resource_type", "source");
    xf_jsonw_kstr(w, "package_name", n->package ? n->package : p->name);
    xf_jsonw_kstr(w, "path", n->path ? n->path : "");
    xf_jsonw_kstr(w, "original_file_path", n->original_file_path ? n->original_file_path : "");
    xf_jsonw_kstr(w, "unique_id", n->unique_id);
    xf_jsonw_key(w, "fqn");
    fqn_json(w, n);
    xf_jsonw_kstr(w, "source_name", n->source_name ? n->source_name : "");
    xf_jsonw_kstr(w, "source_description", n->source_description ? n->source_description : "");
    xf_jsonw_key(w, "loader");
    if (loader && loader->t == XF_V_STR)
        xf_jsonw_value(w, loader);
    else
        xf_jsonw_str(w, "");
    xf_jsonw_kstr(w, "identifier", n->identifier ? n->identifier : n->name);
    xf_jsonw_kraw(w, "quoting",
                  "{\"database\":null,\"schema\":null,\"identifier\":null,\"column\":null}");
    xf_jsonw_kstr(w, "loaded_at_field", n->loaded_at_field);
    xf_jsonw_kraw(w, "loaded_at_query", "null");
    xf_jsonw_key(w, "freshness");
    freshness_json(w, &n->freshness);
    xf_jsonw_kraw(w, "external", "null");
    xf_jsonw_kstr(w, "description", n->description ? n->description : "");
    xf_jsonw_key(w, "columns");
    columns_json(w, n);
    xf_jsonw_key(w, "meta");
    dict_or_empty(w, &n->meta);
    xf_jsonw_kraw(w, "source_meta", "{}");
    xf_jsonw_key(w, "tags");
    str_list(w, &n->tags);
    xf_jsonw_key(w, "config");
    xf_jsonw_open_object(w);
    xf_jsonw_kbool(w, "enabled", en ? xf_value_truthy(en) : true);
    xf_jsonw_kraw(w, "event_time", "null");
    xf_jsonw_key(w, "freshness");
    freshness_json(w, &n->freshness);
    xf_jsonw_kstr(w, "loaded_at_field", n->loaded_at_field);
    xf_jsonw_kraw(w, "loaded_at_query", "null");
    xf_jsonw_key(w, "meta");
    dict_or_empty(w, &n->meta);
    xf_jsonw_key(w, "tags");
    str_list(w, &n->tags);
    xf_jsonw_close_object(w);
    xf_jsonw_kraw(w, "patch_path", "null");
    xf_jsonw_key(w, "unrendered_config");
    dict_or_empty(w, &n->config);
    xf_jsonw_kstr(w, "relation_name", n->relation_name);
    xf_jsonw_kraw(w, "created_at", c->created_at_json);
    xf_jsonw_kraw(w, "unrendered_database", "null");
    xf_jsonw_kraw(w, "unrendered_schema", "null");
    xf_jsonw_kraw(w, "doc_blocks", "[]");
    xf_jsonw_close_object(w);
}

/* The whole {% macro %} ... {% endmacro %} text of a macro. */
static void macro_sql(struct xf_jsonw *w, const struct xf_macro_def *m)
{
    const struct xf_block *b = m->block;
    const struct xf_source *src = b ? b->loc.src : NULL;
    if (!src) {
        xf_jsonw_str(w, "");
        return;
    }
    size_t start = b->loc.off;
    size_t end = b->body.p ? (size_t)(b->body.p - src->text) + b->body.len : start + b->loc.len;
    if (end > src->len || start > end) {
        xf_jsonw_str(w, "");
        return;
    }
    const char *close = end < src->len ? strstr(src->text + end, "%}") : NULL;
    if (close)
        end = (size_t)(close - src->text) + 2;
    xf_jsonw_strn(w, src->text + start, end - start);
}

static void macro_json(const struct mctx *c, const struct xf_macro_def *m)
{
    struct xf_jsonw *w = c->w;
    xf_jsonw_open_object(w);
    xf_jsonw_kstr(w, "name", m->name);
    xf_jsonw_kstr(w, "resource_type", "macro");
    xf_jsonw_kstr(w, "package_name", m->package ? m->package : c->p->name);
    xf_jsonw_kstr(w, "path", m->path ? m->path : "");
    xf_jsonw_kstr(w, "original_file_path", m->original_file_path ? m->original_file_path : "");
    xf_jsonw_kstr(w, "unique_id", m->unique_id);
    xf_jsonw_key(w, "macro_sql");
    macro_sql(w, m);
    xf_jsonw_kraw(w, "depends_on", "{\"macros\":[]}");
    xf_jsonw_kstr(w, "description", m->description ? m->description : "");
    xf_jsonw_kraw(w, "meta", "{}");
    xf_jsonw_kraw(w, "docs", "{\"show\":true,\"node_color\":null}");
    xf_jsonw_kraw(w, "patch_path", "null");
    xf_jsonw_kraw(w, "arguments", "[]");
    xf_jsonw_kraw(w, "created_at", c->created_at_json);
    xf_jsonw_kraw(w, "supported_languages", "null");
    xf_jsonw_close_object(w);
}

static void doc_json(const struct mctx *c, const struct xf_doc_def *d)
{
    struct xf_jsonw *w = c->w;
    xf_jsonw_open_object(w);
    xf_jsonw_kstr(w, "name", d->name);
    xf_jsonw_kstr(w, "resource_type", "doc");
    xf_jsonw_kstr(w, "package_name", d->package ? d->package : c->p->name);
    xf_jsonw_kstr(w, "path", d->path ? d->path : "");
    xf_jsonw_kstr(w, "original_file_path", d->original_file_path ? d->original_file_path : "");
    xf_jsonw_kstr(w, "unique_id", d->unique_id);
    xf_jsonw_key(w, "block_contents");
    xf_jsonw_strn(w, d->text.p ? d->text.p : "", d->text.p ? d->text.len : 0);
    xf_jsonw_close_object(w);
}

/* ---- the file ------------------------------------------------------------ */

static int cmp_uid(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* parent_map / child_map: every enabled node and source, neighbours sorted as in dbt. */
static void write_map(const struct mctx *c, bool parents)
{
    const struct xf_graph *g = c->g;
    struct xf_jsonw *w = c->w;
    xf_jsonw_open_object(w);
    for (uint32_t i = 0; i < g->n; i++) {
        if (g->disabled[i])
            continue;
        uint32_t cnt = parents ? g->nparents[i] : g->nchildren[i];
        const uint32_t *nb = parents ? g->parents[i] : g->children[i];
        for (uint32_t k = 0; k < cnt; k++)
            c->ids[k] = g->all[nb[k]]->unique_id;
        qsort(c->ids, cnt, sizeof *c->ids, cmp_uid);
        xf_jsonw_key_str(w, g->all[i]->unique_id);
        xf_jsonw_open_array(w);
        for (uint32_t k = 0; k < cnt; k++)
            xf_jsonw_str(w, c->ids[k]);
        xf_jsonw_close_array(w);
    }
    xf_jsonw_close_object(w);
}

static void metadata(const struct mctx *c)
{
    const struct xf_project *p = c->p;
    json_t *meta = xf_artifacts_metadata(MANIFEST_SCHEMA, c->inv);
    char project_id[33];
    const char *pname = p->name ? p->name : "";
    xf_md5_hex(project_id, pname, strlen(pname));
    json_object_set_new_nocheck(meta, "project_name", xf_artifacts_str(p->name));
    json_object_set_new_nocheck(meta, "project_id", json_string(project_id));
    json_object_set_new_nocheck(meta, "user_id", json_null());
    json_object_set_new_nocheck(meta, "send_anonymous_usage_stats", json_false());
    json_object_set_new_nocheck(meta, "adapter_type", xf_artifacts_str(c->inv->adapter_type));
    xf_jsonw_json(c->w, meta);
    json_decref(meta);
}

int xf_write_manifest(const char *dir, const struct xf_project *p, const struct xf_graph *g,
                      const struct xf_invocation *inv)
{
    struct xf_jsonw w;
    struct mctx c = {.p = p, .g = g, .inv = inv, .w = &w};
    c.created_at = xf_artifacts_parse_time(inv->generated_at, (double)time(NULL));
    json_t *ca = json_real(c.created_at);
    char *ca_text = json_dumps(ca, JSON_ENCODE_ANY);
    snprintf(c.created_at_json, sizeof c.created_at_json, "%s", ca_text ? ca_text : "0.0");
    free(ca_text);
    json_decref(ca);
    c.ids = xf_malloc((g->n + 1) * sizeof *c.ids);
    xf_jsonw_init(&w);
    xf_buf_grow(&w.out, 4096 + g->n * 2048);

    xf_jsonw_open_object(&w);
    xf_jsonw_key(&w, "metadata");
    metadata(&c);
    /* enabled nodes; disabled ones go to "disabled" like dbt */
    xf_jsonw_key(&w, "nodes");
    xf_jsonw_open_object(&w);
    for (size_t i = 0; i < p->nodes.n; i++) {
        if (g->disabled[i])
            continue;
        xf_jsonw_key_str(&w, p->nodes.v[i]->unique_id);
        node_json(&c, p->nodes.v[i]);
    }
    xf_jsonw_close_object(&w);
    xf_jsonw_key(&w, "sources");
    xf_jsonw_open_object(&w);
    for (size_t i = 0; i < p->sources.n; i++) {
        if (g->disabled[p->nodes.n + i])
            continue;
        xf_jsonw_key_str(&w, p->sources.v[i]->unique_id);
        source_json(&c, p->sources.v[i]);
    }
    xf_jsonw_close_object(&w);
    xf_jsonw_key(&w, "macros");
    xf_jsonw_open_object(&w);
    for (size_t i = 0; i < p->macros.n; i++) {
        xf_jsonw_key_str(&w, p->macros.v[i]->unique_id);
        macro_json(&c, p->macros.v[i]);
    }
    xf_jsonw_close_object(&w);
    xf_jsonw_key(&w, "docs");
    xf_jsonw_open_object(&w);
    for (size_t i = 0; i < p->docs.n; i++) {
        xf_jsonw_key_str(&w, p->docs.v[i]->unique_id);
        doc_json(&c, p->docs.v[i]);
    }
    xf_jsonw_close_object(&w);
    xf_jsonw_kraw(&w, "exposures", "{}");
    xf_jsonw_kraw(&w, "metrics", "{}");
    xf_jsonw_kraw(&w, "groups", "{}");
    xf_jsonw_kraw(&w, "selectors", "{}");
    xf_jsonw_key(&w, "disabled");
    xf_jsonw_open_object(&w);
    for (size_t i = 0; i < g->n; i++) {
        if (!g->disabled[i])
            continue;
        const struct xf_node *n = g->all[i];
        xf_jsonw_key_str(&w, n->unique_id);
        xf_jsonw_open_array(&w);
        if (n->type == XF_RES_SOURCE)
            source_json(&c, n);
        else
            node_json(&c, n);
        xf_jsonw_close_array(&w);
    }
    xf_jsonw_close_object(&w);
    xf_jsonw_key(&w, "parent_map");
    write_map(&c, true);
    xf_jsonw_key(&w, "child_map");
    write_map(&c, false);
    xf_jsonw_kraw(&w, "group_map", "{}");
    xf_jsonw_kraw(&w, "saved_queries", "{}");
    xf_jsonw_kraw(&w, "semantic_models", "{}");
    xf_jsonw_kraw(&w, "unit_tests", "{}");
    xf_jsonw_close_object(&w);
    xf_buf_addch(&w.out, '\n');

    int err = xf_artifacts_write(dir, "manifest.json", &w.out);
    xf_jsonw_release(&w);
    free(c.ids);
    return err;
}
