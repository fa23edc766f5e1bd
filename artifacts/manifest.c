// SPDX-License-Identifier: MIT
/*
 * manifest.json in dbt's manifest v12 layout, streamed node by node
 * through the JSON writer (artifacts/jsonw.h) into the file, which is
 * replaced atomically. Key order follows dbt's schema and is the same on
 * every run. 40,000 nodes (~100 MB) take about a tenth of a second:
 * constant members are precomputed fragments, unique ids are quoted once,
 * nodes ahead are prefetched, and a large project's nodes are made on two
 * threads.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "artifacts/artifacts.h"
#include "artifacts/common.h"
#include "artifacts/jsonw.h"
#include "util/hash.h"

#define MANIFEST_SCHEMA "https://schemas.getdbt.com/dbt/manifest/v12.json"

struct idref {
    const char *id;
    uint32_t i; /* graph index */
};

struct mctx {
    const struct xf_project *p;
    const struct xf_graph *g;
    const struct xf_invocation *inv;
    struct xf_jsonw *w;
    double created_at;
    char created_at_member[64]; /* "created_at":<the number as jansson writes it> */
    size_t created_at_len;
    const char **ids;    /* unique ids by graph index */
    struct idref *order; /* scratch for sorting a neighbour list */
    /* Every node's unique id as a JSON string, by graph index: written up
       to seven times each (keys, depends_on, maps), quoted once. */
    struct xf_jsonw idj;
    size_t *ido; /* id i is idj.out.ptr[ido[i] .. ido[i + 1]) */
};

static inline struct xf_str id_json(const struct mctx *c, uint32_t i)
{
    return xf_str_n(c->idj.out.ptr + c->ido[i], c->ido[i + 1] - c->ido[i]);
}

/* The graph index of n, or UINT32_MAX when it is not in the graph. */
static uint32_t gindex(const struct mctx *c, const struct xf_node *n)
{
    uint32_t i = n ? xf_graph_index(c->g, n) : UINT32_MAX;
    return i < c->g->n && c->g->all[i] == n ? i : UINT32_MAX;
}

/* The unique id of the node at graph index i, as a value. */
static void put_id_at(const struct mctx *c, uint32_t i)
{
    struct xf_str j = id_json(c, i);
    xf_jsonw_rawn(c->w, j.p, j.len);
}

/* A node's unique id as a value, or null without a node. */
static void put_id(const struct mctx *c, const struct xf_node *n)
{
    uint32_t i = gindex(c, n);
    if (i == UINT32_MAX)
        xf_jsonw_str(c->w, n ? n->unique_id : NULL);
    else
        put_id_at(c, i);
}

static void key_id(const struct mctx *c, uint32_t i)
{
    struct xf_str j = id_json(c, i);
    xf_jsonw_key_json(c->w, j.p, j.len);
}

/* A node's unique id as a key. */
static void key_node(const struct mctx *c, const struct xf_node *n)
{
    uint32_t i = gindex(c, n);
    if (i == UINT32_MAX)
        xf_jsonw_key_str(c->w, n->unique_id);
    else
        key_id(c, i);
}

static const char *res_name(enum xf_resource r)
{
    static const char *const names[] = {"model", "seed", "snapshot", "test", "analysis", "source"};
    return (size_t)r < sizeof names / sizeof names[0] ? names[r] : "model";
}

static const struct xf_value *dict_getn(const struct xf_value *v, const char *key, size_t len)
{
    return v && v->t == XF_V_DICT && v->u.d ? xf_dict_get(v->u.d, xf_str_n(key, len)) : NULL;
}

/* Lookups by literal keys, their lengths known at compile time. */
#define dict_get(v, key) dict_getn(v, key, sizeof(key) - 1)
#define cfg(n, key) dict_getn(&(n)->config, key, sizeof(key) - 1)

/* The string form of any value, as a JSON string. */
static void value_as_string(struct xf_jsonw *w, const struct xf_value *v)
{
    if (v->t == XF_V_STR) {
        xf_jsonw_value(w, v);
        return;
    }
    xf_buf_reset(&w->scratch);
    xf_value_str(&w->scratch, v);
    xf_jsonw_strn(w, w->scratch.ptr, w->scratch.len);
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

/* A version identifier as dbt writes it: a number when it is one, else a string. */
static void version_json(struct xf_jsonw *w, const char *v)
{
    char *end;
    if (!v) {
        xf_jsonw_null(w);
        return;
    }
    long long i = strtoll(v, &end, 10);
    if (*v && !*end) {
        char num[32];
        snprintf(num, sizeof num, "%lld", i);
        xf_jsonw_raw(w, num);
        return;
    }
    double d = strtod(v, &end);
    if (*v && !*end) {
        char num[64];
        snprintf(num, sizeof num, "%.17g", d);
        xf_jsonw_raw(w, num);
        return;
    }
    xf_jsonw_str(w, v);
}

/* dbt's ColumnLevelConstraint / ModelLevelConstraint objects. */
static void constraints_json(struct xf_jsonw *w, const struct xf_constraint *v, size_t n,
                             bool model_level)
{
    xf_jsonw_open_array(w);
    for (size_t i = 0; i < n; i++) {
        const struct xf_constraint *k = &v[i];
        xf_jsonw_open_object(w);
        xf_jsonw_kstr(w, "type", k->type);
        xf_jsonw_kstr(w, "name", k->name);
        xf_jsonw_kstr(w, "expression", k->expression);
        xf_jsonw_kbool(w, "warn_unenforced", k->warn_unenforced);
        xf_jsonw_kbool(w, "warn_unsupported", k->warn_unsupported);
        xf_jsonw_kstr(w, "to", k->to);
        xf_jsonw_key(w, "to_columns");
        xf_jsonw_open_array(w);
        for (size_t j = 0; j < k->to_columns.n; j++)
            xf_jsonw_str(w, k->to_columns.v[j]);
        xf_jsonw_close_array(w);
        if (model_level) {
            xf_jsonw_key(w, "columns");
            xf_jsonw_open_array(w);
            for (size_t j = 0; j < k->columns.n; j++)
                xf_jsonw_str(w, k->columns.v[j]);
            xf_jsonw_close_array(w);
        }
        xf_jsonw_close_object(w);
    }
    xf_jsonw_close_array(w);
}

static void constraint_state(struct xf_buf *b, const struct xf_constraint *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct xf_constraint *k = &v[i];
        xf_buf_addf(b, "{%s|%s|%s|%s|", k->type, k->name ? k->name : "",
                    k->expression ? k->expression : "", k->to ? k->to : "");
        for (size_t j = 0; j < k->to_columns.n; j++)
            xf_buf_addf(b, "%s,", k->to_columns.v[j]);
        xf_buf_addch(b, '|');
        for (size_t j = 0; j < k->columns.n; j++)
            xf_buf_addf(b, "%s,", k->columns.v[j]);
        xf_buf_addch(b, '}');
    }
}

static int col_name_cmp(const void *a, const void *b)
{
    const struct xf_column *x = *(const struct xf_column *const *)a;
    const struct xf_column *y = *(const struct xf_column *const *)b;
    return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

/*
 * The contract's checksum, as dbt makes it for state:modified.contract:
 * sha256 of each column (sorted by name) with its data type and
 * constraints, then, for materializations that enforce constraints, the
 * materialization and the model-level constraints. NULL when not enforced.
 */
static void contract_checksum(char out[65], const struct xf_node *n)
{
    struct xf_buf b = XF_BUF_INIT;
    const struct xf_column **cols = calloc(n->columns.n + 1, sizeof *cols);
    for (size_t i = 0; i < n->columns.n; i++)
        cols[i] = &n->columns.v[i];
    qsort(cols, n->columns.n, sizeof *cols, col_name_cmp);
    for (size_t i = 0; i < n->columns.n; i++) {
        xf_buf_addf(&b, "|%s%s", cols[i]->name ? cols[i]->name : "",
                    cols[i]->data_type ? cols[i]->data_type : "None");
        constraint_state(&b, cols[i]->constraints.v, cols[i]->constraints.n);
    }
    free(cols);
    if (n->mat == XF_MAT_TABLE || n->mat == XF_MAT_INCREMENTAL) {
        xf_buf_adds(&b, n->mat_name ? n->mat_name : "");
        constraint_state(&b, n->constraints.v, n->constraints.n);
    }
    xf_sha256_hex(out, b.ptr, b.len);
    xf_buf_release(&b);
}

static void contract_obj(struct xf_jsonw *w, const struct xf_value *v, const struct xf_node *n)
{
    const struct xf_value *enf = dict_get(v, "enforced"), *at = dict_get(v, "alias_types");
    bool enforced = enf && xf_value_truthy(enf);
    xf_jsonw_open_object(w);
    xf_jsonw_kbool(w, "enforced", enforced);
    xf_jsonw_kbool(w, "alias_types", at ? xf_value_truthy(at) : true);
    if (n && enforced && n->type == XF_RES_MODEL) {
        char sum[65];
        contract_checksum(sum, n);
        xf_jsonw_kstr(w, "checksum", sum);
    } else if (n) {
        xf_jsonw_kraw(w, "checksum", "null");
    }
    xf_jsonw_close_object(w);
}

/* ---- config ------------------------------------------------------------ */

enum dkind {
    D_NULL,   /* null, or the value as given */
    D_BOOL_T, /* boolean, default true */
    D_STR,    /* string (default in the table), or the value as given */
    D_INT,    /* integer (default in the table) */
    D_LIST,   /* list of strings, default [] */
    D_TAGS,   /* list of strings, default the node's tags */
    D_OBJ,    /* object, default {} */
    D_HOOKS,
    D_DOCS,
    D_CONTRACT,
    D_MATERIALIZED,
};

struct cdef {
    const char *key;
    size_t len;
    enum dkind kind;
    const char *dflt; /* `"key":default` as JSON text; NULL: it depends on the node */
    size_t dlen;
};

#define C(key, kind, json)                                                                         \
    {                                                                                              \
        key, sizeof(key) - 1, kind, "\"" key "\":" json, sizeof("\"" key "\":" json) - 1           \
    }
#define CD(key, kind)                                                                              \
    {                                                                                              \
        key, sizeof(key) - 1, kind, NULL, 0                                                        \
    }

/* clang-format off */
#define NODE_CONFIG                                                                                \
    C("enabled", D_BOOL_T, "true"), C("alias", D_NULL, "null"), C("schema", D_NULL, "null"),       \
    C("database", D_NULL, "null"), CD("tags", D_TAGS), C("meta", D_OBJ, "{}"),                     \
    C("group", D_NULL, "null"), CD("materialized", D_MATERIALIZED),                                \
    C("incremental_strategy", D_NULL, "null"), C("batch_size", D_NULL, "null"),                    \
    C("lookback", D_INT, "1"), C("begin", D_NULL, "null"),                                         \
    C("persist_docs", D_OBJ, "{}"), C("post-hook", D_HOOKS, "[]"),                                 \
    C("pre-hook", D_HOOKS, "[]"), C("quoting", D_OBJ, "{}"),                                       \
    C("column_types", D_OBJ, "{}"), C("full_refresh", D_NULL, "null"),                             \
    C("unique_key", D_NULL, "null"), C("on_schema_change", D_STR, "\"ignore\""),                  \
    C("on_configuration_change", D_STR, "\"apply\""), C("grants", D_OBJ, "{}"),                   \
    C("packages", D_LIST, "[]"), C("docs", D_DOCS, "{\"show\":true,\"node_color\":null}"),         \
    C("contract", D_CONTRACT, "{\"enforced\":false,\"alias_types\":true}"),                       \
    C("event_time", D_NULL, "null"), C("concurrent_batches", D_NULL, "null")

static const struct cdef model_cfg[] = {NODE_CONFIG, C("access", D_STR, "\"protected\"")};
static const struct cdef analysis_cfg[] = {NODE_CONFIG};
static const struct cdef seed_cfg[] = {
    NODE_CONFIG, C("delimiter", D_STR, "\",\""), C("quote_columns", D_NULL, "null")};
static const struct cdef snapshot_cfg[] = {
    NODE_CONFIG,
    C("strategy", D_NULL, "null"),
    C("target_schema", D_NULL, "null"),
    C("target_database", D_NULL, "null"),
    C("updated_at", D_NULL, "null"),
    C("check_cols", D_NULL, "null"),
    C("snapshot_meta_column_names", D_OBJ, "{}"),
    C("dbt_valid_to_current", D_NULL, "null"),
};
static const struct cdef test_cfg[] = {
    C("enabled", D_BOOL_T, "true"),
    C("alias", D_NULL, "null"),
    C("schema", D_STR, "\"dbt_test__audit\""),
    C("database", D_NULL, "null"),
    CD("tags", D_TAGS),
    C("meta", D_OBJ, "{}"),
    C("group", D_NULL, "null"),
    CD("materialized", D_MATERIALIZED),
    C("severity", D_STR, "\"ERROR\""),
    C("store_failures", D_NULL, "null"),
    C("store_failures_as", D_NULL, "null"),
    C("where", D_NULL, "null"),
    C("limit", D_NULL, "null"),
    C("fail_calc", D_STR, "\"count(*)\""),
    C("warn_if", D_STR, "\"!= 0\""),
    C("error_if", D_STR, "\"!= 0\""),
};
/* clang-format on */

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
_Static_assert(N_OF(snapshot_cfg) <= 48 && N_OF(seed_cfg) <= 48, "MAX_DEFS");

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
        str_or_null(w, v);
        return;
    case D_MATERIALIZED:
        if (v && v->t == XF_V_STR)
            xf_jsonw_value(w, v);
        else
            xf_jsonw_str(w, default_materialized(r));
        return;
    case D_INT:
        xf_jsonw_value(w, v);
        return;
    case D_LIST:
    case D_TAGS:
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
        contract_obj(w, v, NULL);
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

/* The index of the default named `key`, or -1. */
static int find_def(const struct cdef *defs, size_t ndefs, struct xf_str key)
{
    for (size_t k = 0; k < ndefs; k++)
        if (defs[k].len == key.len && defs[k].key[0] == key.p[0] &&
            memcmp(defs[k].key, key.p, key.len) == 0)
            return (int)k;
    return -1;
}

static bool is_hook_alias(struct xf_str key, bool *pre)
{
    *pre = xf_str_eq(key, XF_STR("pre_hook"));
    return *pre || xf_str_eq(key, XF_STR("post_hook"));
}

#define MAX_DEFS 48

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
    /* one pass over the user's config finds the value of every default key */
    const struct xf_value *vals[MAX_DEFS] = {0}, *alias[2] = {0}; /* pre_hook, post_hook */
    const struct xf_dict *d = n->config.t == XF_V_DICT ? n->config.u.d : NULL;
    size_t nuser = d ? d->n : 0;
    for (size_t i = 0; i < nuser; i++) {
        int k = find_def(defs, ndefs, d->ents[i].key);
        bool pre;
        if (k >= 0)
            vals[k] = &d->ents[i].val;
        else if (is_hook_alias(d->ents[i].key, &pre))
            alias[pre ? 0 : 1] = &d->ents[i].val;
    }
    xf_jsonw_open_object(w);
    for (size_t k = 0; k < ndefs; k++) {
        const struct xf_value *v = vals[k];
        if (!v && defs[k].kind == D_HOOKS)
            v = alias[defs[k].key[1] == 'r' ? 0 : 1]; /* pre-hook: pre_hook */
        if (!v && defs[k].kind == D_TAGS)
            v = &n->tags;
        if (!v && defs[k].dflt) {
            xf_jsonw_membersn(w, defs[k].dflt, defs[k].dlen);
            continue;
        }
        xf_jsonw_keyn(w, defs[k].key, defs[k].len);
        config_value(w, &defs[k], v, n->type);
    }
    /* the user's other keys, after dbt's own */
    for (size_t i = 0; i < nuser; i++) {
        bool pre;
        if (find_def(defs, ndefs, d->ents[i].key) >= 0 || is_hook_alias(d->ents[i].key, &pre))
            continue;
        xf_jsonw_key_strn(w, d->ents[i].key.p, d->ents[i].key.len);
        xf_jsonw_value(w, &d->ents[i].val);
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
        xf_jsonw_key(w, "constraints");
        constraints_json(w, cl->constraints.v, cl->constraints.n, false);
        if (cl->quote)
            XF_JSONW_MEMBERS(w, "\"quote\":true");
        else
            XF_JSONW_MEMBERS(w, "\"quote\":null");
        xf_jsonw_key(w, "config");
        xf_jsonw_open_object(w);
        xf_jsonw_key(w, "meta");
        dict_or_empty(w, &cl->meta);
        xf_jsonw_key(w, "tags");
        str_list(w, &cl->tags);
        xf_jsonw_close_object(w);
        xf_jsonw_key(w, "tags");
        str_list(w, &cl->tags);
        XF_JSONW_MEMBERS(w, "\"granularity\":null,\"doc_blocks\":[]");
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
        xf_jsonw_str_begin(w);
        XF_JSONW_STR_LIT(w, "{{ ");
        if (dot) {
            xf_jsonw_str_partn(w, name, (size_t)(dot - name));
            XF_JSONW_STR_LIT(w, ".");
        }
        XF_JSONW_STR_LIT(w, "test_");
        xf_jsonw_str_part(w, dot ? dot + 1 : name);
        XF_JSONW_STR_LIT(w, "(**_dbt_generic_test_kwargs) }}");
        xf_jsonw_str_end(w);
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
                put_id_at(c, c->g->parents[i][k]);
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
            xf_jsonw_key_strn(w, k.p, k.len);
            xf_jsonw_value(w, &kw->ents[i].val);
        }
    }
    const char *column = n->column_name ? n->column_name : d->column;
    if (column)
        xf_jsonw_kstr(w, "column_name", column);
    const struct xf_node *on = n->attached;
    if (on) {
        xf_jsonw_key(w, "model");
        xf_jsonw_str_begin(w);
        if (on->type == XF_RES_SOURCE) {
            XF_JSONW_STR_LIT(w, "{{ get_where_subquery(source('");
            xf_jsonw_str_part(w, on->source_name);
            XF_JSONW_STR_LIT(w, "', '");
            xf_jsonw_str_part(w, on->name);
            XF_JSONW_STR_LIT(w, "')) }}");
        } else {
            XF_JSONW_STR_LIT(w, "{{ get_where_subquery(ref('");
            xf_jsonw_str_part(w, on->name);
            XF_JSONW_STR_LIT(w, "')) }}");
        }
        xf_jsonw_str_end(w);
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
    /* a SQLite relation's database is its file: --defer and clone read it from there */
    xf_jsonw_kstr(w, "database", n->database ? n->database : n->database_file);
    xf_jsonw_kstr(w, "schema",
                  n->schema          ? n->schema
                  : p->target.schema ? p->target.schema
                                     : "main");
    xf_jsonw_kstr(w, "name", n->name);
    xf_jsonw_kstr(w, "resource_type", res_name(n->type));
    xf_jsonw_kstr(w, "package_name", n->package ? n->package : p->name);
    xf_jsonw_kstr(w, "path", n->path ? n->path : "");
    xf_jsonw_kstr(w, "original_file_path", n->original_file_path ? n->original_file_path : "");
    xf_jsonw_key(w, "unique_id");
    put_id(c, n);
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
    xf_jsonw_kstr(w, "group", xf_node_config_str(n, "group", NULL));
    xf_jsonw_key(w, "docs");
    docs_obj(w, cfg(n, "docs"));
    xf_jsonw_kstr(w, "patch_path", n->patch_path);
    XF_JSONW_MEMBERS(w, "\"build_path\":null");
    xf_jsonw_key(w, "unrendered_config");
    if (p->has_unrendered) { /* templated project configs as written, as dbt */
        struct xf_arena a;
        xf_arena_init(&a);
        struct xf_value u = xf_node_unrendered_config(p, n, &a);
        dict_or_empty(w, &u);
        xf_arena_release(&a);
    } else {
        dict_or_empty(w, &n->config);
    }
    xf_jsonw_membersn(w, c->created_at_member, c->created_at_len);
    xf_jsonw_kstr(w, "relation_name", n->relation_name);
    xf_jsonw_key(w, "raw_code");
    raw_code(w, n);
    XF_JSONW_MEMBERS(w, "\"doc_blocks\":[]");
    if (n->type == XF_RES_SEED) {
        xf_jsonw_kstr(w, "root_path", p->root);
        xf_jsonw_key(w, "depends_on");
        depends_on(c, n, false);
        xf_jsonw_close_object(w);
        return;
    }
    XF_JSONW_MEMBERS(w, "\"language\":\"sql\"");
    xf_jsonw_key(w, "refs");
    refs_json(w, n);
    xf_jsonw_key(w, "sources");
    sources_json(w, n);
    XF_JSONW_MEMBERS(w, "\"metrics\":[],\"functions\":[]");
    xf_jsonw_key(w, "depends_on");
    depends_on(c, n, true);
    xf_jsonw_key(w, "compiled_path");
    if (n->compiled_code) {
        xf_jsonw_str_begin(w);
        xf_jsonw_str_part(w, p->target_path ? p->target_path : "target");
        XF_JSONW_STR_LIT(w, "/compiled/");
        xf_jsonw_str_part(w, n->package ? n->package : p->name);
        XF_JSONW_STR_LIT(w, "/");
        xf_jsonw_str_part(w, n->original_file_path);
        if (generic) {
            XF_JSONW_STR_LIT(w, "/");
            xf_jsonw_str_part(w, n->name);
            XF_JSONW_STR_LIT(w, ".sql");
        }
        xf_jsonw_str_end(w);
    } else {
        xf_jsonw_null(w);
    }
    if (n->compiled_code) {
        XF_JSONW_MEMBERS(w, "\"compiled\":true");
        xf_jsonw_kstr(w, "compiled_code", n->compiled_code);
        XF_JSONW_MEMBERS(w, "\"extra_ctes_injected\":true,\"extra_ctes\":[]");
    } else {
        XF_JSONW_MEMBERS(w, "\"compiled\":false,\"compiled_code\":null,"
                            "\"extra_ctes_injected\":false,\"extra_ctes\":[]");
    }
    xf_jsonw_key(w, "contract");
    contract_obj(w, cfg(n, "contract"), n);
    if (n->type == XF_RES_MODEL) {
        const struct xf_value *access = cfg(n, "access");
        xf_jsonw_key(w, "access");
        if (access && access->t == XF_V_STR)
            xf_jsonw_value(w, access);
        else
            xf_jsonw_str(w, "protected");
        xf_jsonw_key(w, "constraints");
        constraints_json(w, n->constraints.v, n->constraints.n, true);
        xf_jsonw_key(w, "version");
        version_json(w, n->version);
        xf_jsonw_key(w, "latest_version");
        version_json(w, n->latest_version);
        xf_jsonw_kstr(w, "deprecation_date", n->deprecation_date);
        XF_JSONW_MEMBERS(w, "\"primary_key\":[],\"time_spine\":null");
    }
    if (generic) {
        const struct xf_node *on = n->attached;
        xf_jsonw_kstr(w, "column_name", n->column_name ? n->column_name : n->decl->column);
        xf_jsonw_key(w, "file_key_name");
        if (on) {
            xf_jsonw_str_begin(w);
            if (on->type == XF_RES_SOURCE) {
                XF_JSONW_STR_LIT(w, "sources.");
                xf_jsonw_str_part(w, on->source_name);
            } else {
                xf_jsonw_str_part(w, res_name(on->type));
                XF_JSONW_STR_LIT(w, "s.");
                xf_jsonw_str_part(w, on->name);
            }
            xf_jsonw_str_end(w);
        } else {
            xf_jsonw_null(w);
        }
        xf_jsonw_key(w, "attached_node");
        put_id(c, on);
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
    xf_jsonw_key(w, "unique_id");
    put_id(c, n);
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
    xf_jsonw_key(w, "event_time"); /* what microbatch models filter this source on */
    xf_jsonw_value(w, xf_node_config(n, "event_time"));
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
    xf_jsonw_membersn(w, c->created_at_member, c->created_at_len);
    XF_JSONW_MEMBERS(w, "\"unrendered_database\":null,\"unrendered_schema\":null,"
                        "\"doc_blocks\":[]");
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
    xf_jsonw_key(w, "depends_on");
    xf_jsonw_open_object(w);
    xf_jsonw_key(w, "macros");
    xf_jsonw_open_array(w);
    for (size_t k = 0; k < m->macro_deps.n; k++)
        xf_jsonw_str(w, m->macro_deps.v[k]);
    xf_jsonw_close_array(w);
    xf_jsonw_close_object(w);
    xf_jsonw_kstr(w, "description", m->description ? m->description : "");
    xf_jsonw_kraw(w, "meta", "{}");
    xf_jsonw_kraw(w, "docs", "{\"show\":true,\"node_color\":null}");
    XF_JSONW_MEMBERS(w, "\"patch_path\":null,\"arguments\":[]");
    xf_jsonw_membersn(w, c->created_at_member, c->created_at_len);
    XF_JSONW_MEMBERS(w, "\"supported_languages\":null");
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

/*
 * Prefetching. Nodes, their strings and their configs lie all over the
 * project's arena, and the first touch of each is a cache miss: for a
 * large project that, not the formatting, is most of the time. So the
 * node loops ask for what a node a few places ahead will read: its struct
 * first, then (once that has arrived) what its fields point to, then the
 * second level.
 */
#define AHEAD 8

static inline void prefetch_span(const void *p, size_t size)
{
    for (size_t off = 0; p && off < size; off += 64)
        __builtin_prefetch((const char *)p + off);
}

static inline void prefetch(const void *p)
{
    if (p)
        __builtin_prefetch(p);
}

static void prefetch_fields(const struct xf_node *n)
{
    prefetch(n->name);
    prefetch(n->unique_id);
    prefetch(n->path);
    prefetch(n->original_file_path);
    prefetch(n->relation_name);
    prefetch_span(n->compiled_code, 128);
    prefetch(n->description);
    prefetch(n->patch_path);
    prefetch(n->schema);
    prefetch(n->src);
    prefetch(n->decl);
    prefetch(n->attached);
    prefetch(n->columns.v);
    prefetch(n->refs.v);
    if (n->config.t == XF_V_DICT)
        prefetch(n->config.u.d);
    if (n->fqn.t == XF_V_LIST)
        prefetch(n->fqn.u.l);
    if (n->tags.t == XF_V_LIST)
        prefetch(n->tags.u.l);
}

static void prefetch_deeper(const struct xf_node *n)
{
    if (n->src)
        prefetch_span(n->src->text, 128);
    if (n->config.t == XF_V_DICT && n->config.u.d)
        prefetch_span(n->config.u.d->ents, 256);
    if (n->fqn.t == XF_V_LIST && n->fqn.u.l)
        prefetch_span(n->fqn.u.l->items, 96);
    if (n->decl)
        prefetch(n->decl->test_name);
    if (n->attached)
        prefetch(n->attached->name);
}

/* Before writing nodes[i] of n: the struct of i+AHEAD, the fields of i+AHEAD/2 ... */
static void prefetch_ahead(struct xf_node *const *nodes, size_t n, size_t i)
{
    if (i + AHEAD < n)
        prefetch_span(nodes[i + AHEAD], sizeof(struct xf_node));
    if (i + AHEAD / 2 < n)
        prefetch_fields(nodes[i + AHEAD / 2]);
    if (i + AHEAD / 4 < n)
        prefetch_deeper(nodes[i + AHEAD / 4]);
}

static int cmp_idref(const void *a, const void *b)
{
    return strcmp(((const struct idref *)a)->id, ((const struct idref *)b)->id);
}

/* Neighbours by unique id, as dbt sorts them: most lists are one or two long. */
static void sort_by_id(struct idref *v, uint32_t n)
{
    if (n > 8) {
        qsort(v, n, sizeof *v, cmp_idref);
        return;
    }
    for (uint32_t k = 1; k < n; k++) {
        struct idref x = v[k];
        uint32_t j = k;
        for (; j > 0 && strcmp(v[j - 1].id, x.id) > 0; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
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
            c->order[k] = (struct idref){c->ids[nb[k]], nb[k]};
        sort_by_id(c->order, cnt);
        key_id(c, i);
        xf_jsonw_open_array(w);
        for (uint32_t k = 0; k < cnt; k++) {
            struct xf_str j = id_json(c, c->order[k].i);
            xf_jsonw_rawn(w, j.p, j.len);
        }
        xf_jsonw_close_array(w);
    }
    xf_jsonw_close_object(w);
}

/* Every unique id, quoted once (see struct mctx). */
static void quote_ids(struct mctx *c)
{
    const struct xf_graph *g = c->g;
    c->ids = xf_malloc((g->n + 1) * sizeof *c->ids);
    c->order = xf_malloc((g->n + 1) * sizeof *c->order);
    c->ido = xf_malloc((g->n + 1) * sizeof *c->ido);
    xf_jsonw_init(&c->idj, (size_t)g->n * 40);
    for (uint32_t i = 0; i < g->n; i++) {
        const char *id = g->all[i]->unique_id ? g->all[i]->unique_id : "";
        c->ids[i] = id;
        c->ido[i] = c->idj.out.len;
        xf_jsonw_quoted(&c->idj, id, strlen(id));
    }
    c->ido[g->n] = c->idj.out.len;
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

/* Nodes [from, to) as members of the "nodes" object. */
static void write_nodes(const struct mctx *c, size_t from, size_t to)
{
    struct xf_node *const *v = c->p->nodes.v;
    for (size_t i = from; i < to; i++) {
        prefetch_ahead(v, to, i);
        if (c->g->disabled[i])
            continue;
        key_node(c, v[i]);
        node_json(c, v[i]);
    }
}

/*
 * Two threads. Nodes are nine tenths of a manifest; a large project's
 * second half of them is made in memory on a worker while this thread
 * makes and writes the first half, then written after it. Node writing
 * only reads the project, the graph and the quoted ids.
 */
#define PARALLEL_MIN 4000 /* nodes; fewer are done sooner than a thread starts paying */

struct part {
    struct mctx c; /* a copy, writing to w */
    struct xf_jsonw w;
    size_t from, to;
};

static void *part_job(void *arg)
{
    struct part *t = arg;
    write_nodes(&t->c, t->from, t->to);
    return NULL;
}

/* Starts the second half of the nodes on a worker; NULL when not worth it or not possible. */
static struct part *start_part(const struct mctx *c, const char *dir, size_t depth, pthread_t *th)
{
    size_t n = c->p->nodes.n, mid = n / 2;
    if (c->inv->threads == 1 || n < PARALLEL_MIN)
        return NULL;
    struct part *t = xf_calloc(1, sizeof *t);
    t->c = *c;
    t->c.w = &t->w;
    t->from = mid;
    t->to = n;
    if (xf_jsonw_init_spill(&t->w, dir) < 0) {
        xf_jsonw_release(&t->w);
        xf_jsonw_init(&t->w, (n - mid) * 2560);
    }
    /* inside the "nodes" object, after a comma if the first half has a node */
    t->w.depth = (int)depth;
    t->w.first[depth] = true;
    for (size_t i = 0; i < mid && t->w.first[depth]; i++)
        t->w.first[depth] = c->g->disabled[i];
    if (pthread_create(th, NULL, part_job, t) != 0) {
        xf_jsonw_release(&t->w);
        free(t);
        return NULL;
    }
    return t;
}

/* dbt's `groups`: each group by unique id, with its owner. */
static void groups_json(struct xf_jsonw *w, const struct xf_project *p)
{
    xf_jsonw_open_object(w);
    for (size_t i = 0; i < p->groups.n; i++) {
        const struct xf_group *g = p->groups.v[i];
        xf_jsonw_key_str(w, g->unique_id);
        xf_jsonw_open_object(w);
        xf_jsonw_kstr(w, "name", g->name);
        xf_jsonw_kstr(w, "resource_type", "group");
        xf_jsonw_kstr(w, "package_name", g->package);
        xf_jsonw_kstr(w, "path", g->path);
        xf_jsonw_kstr(w, "original_file_path", g->original_file_path);
        xf_jsonw_kstr(w, "unique_id", g->unique_id);
        xf_jsonw_key(w, "owner");
        xf_jsonw_value(w, &g->owner);
        xf_jsonw_kstr(w, "description", g->description);
        xf_jsonw_key(w, "config");
        xf_jsonw_open_object(w);
        xf_jsonw_key(w, "meta");
        xf_jsonw_value(w, &g->meta);
        xf_jsonw_close_object(w);
        xf_jsonw_close_object(w);
    }
    xf_jsonw_close_object(w);
}

/* dbt's `group_map`: group name -> unique ids of its nodes. */
static void group_map_json(struct xf_jsonw *w, const struct xf_project *p)
{
    xf_jsonw_open_object(w);
    for (size_t i = 0; i < p->groups.n; i++) {
        const char *name = p->groups.v[i]->name;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = !strcmp(p->groups.v[j]->name, name);
        if (seen)
            continue;
        xf_jsonw_key_str(w, name);
        xf_jsonw_open_array(w);
        for (size_t k = 0; k < p->nodes.n; k++) {
            const char *g = xf_node_config_str(p->nodes.v[k], "group", NULL);
            if (g && !strcmp(g, name))
                xf_jsonw_str(w, p->nodes.v[k]->unique_id);
        }
        xf_jsonw_close_array(w);
    }
    xf_jsonw_close_object(w);
}

int xf_write_manifest(const char *dir, const struct xf_project *p, const struct xf_graph *g,
                      const struct xf_invocation *inv)
{
    struct xf_jsonw w;
    struct mctx c = {.p = p, .g = g, .inv = inv, .w = &w};
    c.created_at = xf_artifacts_parse_time(inv->generated_at, (double)time(NULL));
    char num[32];
    if (!xf_json_real(num, c.created_at))
        memcpy(num, "0.0", 4);
    c.created_at_len =
        (size_t)snprintf(c.created_at_member, sizeof c.created_at_member, "\"created_at\":%s", num);
    int err = xf_jsonw_init_file(&w, dir, "manifest.json");
    if (err < 0) {
        xf_jsonw_release(&w);
        return err;
    }
    quote_ids(&c);

    xf_jsonw_open_object(&w);
    xf_jsonw_key(&w, "metadata");
    metadata(&c);
    /* enabled nodes; disabled ones go to "disabled" like dbt */
    xf_jsonw_key(&w, "nodes");
    xf_jsonw_open_object(&w);
    pthread_t th;
    struct part *t = start_part(&c, dir, (size_t)w.depth, &th);
    write_nodes(&c, 0, t ? t->from : p->nodes.n);
    if (t) {
        pthread_join(th, NULL);
        xf_jsonw_append(&w, &t->w);
        w.first[w.depth] = w.first[w.depth] && t->w.first[w.depth];
        xf_jsonw_release(&t->w);
        free(t);
    }
    xf_jsonw_close_object(&w);
    xf_jsonw_key(&w, "sources");
    xf_jsonw_open_object(&w);
    for (size_t i = 0; i < p->sources.n; i++) {
        if (g->disabled[p->nodes.n + i])
            continue;
        key_node(&c, p->sources.v[i]);
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
    xf_jsonw_key(&w, "exposures");
    xf_manifest_others(&w, g, XF_RES_EXPOSURE, c.created_at);
    xf_jsonw_key(&w, "metrics");
    xf_manifest_others(&w, g, XF_RES_METRIC, c.created_at);
    xf_jsonw_key(&w, "groups");
    groups_json(&w, p);
    xf_jsonw_kraw(&w, "selectors", "{}");
    xf_jsonw_key(&w, "disabled");
    xf_jsonw_open_object(&w);
    for (size_t i = 0; i < g->n; i++) {
        if (!g->disabled[i])
            continue;
        const struct xf_node *n = g->all[i];
        key_id(&c, (uint32_t)i);
        xf_jsonw_open_array(&w);
        if (n->type == XF_RES_SOURCE)
            source_json(&c, n);
        else if (n->type >= XF_RES_EXPOSURE)
            xf_manifest_other_json(&w, g, n, c.created_at);
        else
            node_json(&c, n);
        xf_jsonw_close_array(&w);
    }
    xf_jsonw_close_object(&w);
    xf_jsonw_key(&w, "parent_map");
    write_map(&c, true);
    xf_jsonw_key(&w, "child_map");
    write_map(&c, false);
    xf_jsonw_key(&w, "group_map");
    group_map_json(&w, p);
    xf_jsonw_key(&w, "saved_queries");
    xf_manifest_others(&w, g, XF_RES_SAVED_QUERY, c.created_at);
    xf_jsonw_key(&w, "semantic_models");
    xf_manifest_others(&w, g, XF_RES_SEMANTIC_MODEL, c.created_at);
    xf_jsonw_key(&w, "unit_tests");
    xf_manifest_others(&w, g, XF_RES_UNIT_TEST, c.created_at);
    xf_jsonw_close_object(&w);
    xf_jsonw_put(&w, "\n", 1);

    err = xf_jsonw_commit(&w);
    xf_jsonw_release(&w);
    free(c.ids);
    free(c.order);
    free(c.ido);
    xf_jsonw_release(&c.idj);
    return err;
}
