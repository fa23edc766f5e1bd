// SPDX-License-Identifier: MIT
/*
 * catalog.json (dbt's catalog v1): what the warehouse holds for every
 * model, seed, snapshot and source of the project: relation type, owner,
 * comment and columns with their database types. One query per schema
 * (the adapter's catalog_sql), so a 10,000-model project costs a handful
 * of round trips, not 10,000.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "adapters/adapter.h"
#include "artifacts/artifacts.h"
#include "artifacts/jsonw.h"
#include "util/map.h"
#include "util/path.h"
#include "util/vec.h"

#define CATALOG_SCHEMA_URL "https://schemas.getdbt.com/dbt/catalog/v1.json"

void xf_catalog_query(struct xf_buf *out, const char *fmt, const char *schema)
{
    const char *at = strstr(fmt, "%s");
    if (!at) {
        xf_buf_adds(out, fmt);
        return;
    }
    xf_buf_add(out, fmt, (size_t)(at - fmt));
    xf_buf_addch(out, '\'');
    for (const char *s = schema; *s; s++) {
        if (*s == '\'')
            xf_buf_addch(out, '\'');
        xf_buf_addch(out, *s);
    }
    xf_buf_addch(out, '\'');
    xf_buf_adds(out, at + 2);
}

struct column {
    const char *name, *type, *comment;
    long long index;
};

struct table {
    const char *name, *type, *owner, *comment;
    XF_VEC(struct column) cols; /* in the arena */
    bool typed;                 /* untyped columns asked of their values already */
};

struct schema {
    const char *name;
    struct xf_map tables; /* lower-cased identifier -> struct table */
    bool failed;
};

struct cat {
    struct xf_arena a;
    struct xf_map by_name; /* schema name -> struct schema */
    XF_VEC(struct schema *) schemas;
};

static char *lower(struct xf_arena *a, const char *s)
{
    char *l = xf_arena_strdup(a, s);
    for (char *c = l; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return l;
}

/* Config lookups straight from the node's merged config dict. */
static const struct xf_value *config(const struct xf_node *n, const char *key)
{
    return n->config.t == XF_V_DICT ? xf_dict_getc(n->config.u.d, key) : NULL;
}

static bool enabled(const struct xf_node *n)
{
    const struct xf_value *v = config(n, "enabled");
    return !v || v->t != XF_V_BOOL || v->u.b;
}

static bool is_ephemeral(const struct xf_node *n)
{
    const struct xf_value *v = config(n, "materialized");
    return v && v->t == XF_V_STR && xf_str_eqc(v->u.s, "ephemeral");
}

static bool is_relation(const struct xf_node *n)
{
    if (!enabled(n))
        return false;
    switch (n->type) {
    case XF_RES_SOURCE:
    case XF_RES_SEED:
    case XF_RES_SNAPSHOT:
        return true;
    case XF_RES_MODEL:
        return !is_ephemeral(n);
    default:
        return false;
    }
}

static const char *schema_of(const struct xf_project *p, const struct xf_node *n)
{
    if (n->schema)
        return n->schema;
    if (n->type == XF_RES_SOURCE && n->source_name)
        return n->source_name;
    return p->target.schema ? p->target.schema : "main";
}

static const char *identifier_of(const struct xf_node *n)
{
    if (n->type == XF_RES_SOURCE && n->identifier)
        return n->identifier;
    return n->alias ? n->alias : n->name;
}

/* A cell as text in the arena (NULL for none). */
static const char *cell_str(struct xf_arena *a, const struct xf_value *v)
{
    switch (v->t) {
    case XF_V_STR:
        return xf_arena_strndup(a, v->u.s.p, v->u.s.len);
    case XF_V_INT:
        return xf_arena_printf(a, "%lld", (long long)v->u.i);
    case XF_V_FLOAT:
        return xf_arena_printf(a, "%g", v->u.f);
    default:
        return NULL;
    }
}

static long long cell_int(const struct xf_value *v)
{
    if (v->t == XF_V_INT)
        return (long long)v->u.i;
    if (v->t == XF_V_FLOAT)
        return (long long)v->u.f;
    if (v->t == XF_V_STR && v->u.s.len < 32) {
        char digits[32];
        memcpy(digits, v->u.s.p, v->u.s.len);
        digits[v->u.s.len] = '\0';
        return strtoll(digits, NULL, 10);
    }
    return 0;
}

static int col_index(const struct xf_result *r, const char *name)
{
    for (size_t i = 0; i < r->ncols; i++) {
        if (r->colnames[i] && !strcasecmp(r->colnames[i], name))
            return (int)i;
    }
    return -1;
}

static struct table *table_for(struct cat *c, struct schema *s, const char *name)
{
    bool found;
    char *key = lower(&c->a, name);
    void **slot = xf_map_slot(&s->tables, xf_str_c(key), &found);
    if (!found) {
        struct table *t = XF_ANEW(&c->a, struct table);
        t->name = xf_arena_strdup(&c->a, name);
        *slot = t;
    }
    return *slot;
}

/* Rows of the catalog query into tables of `s`. */
static int read_rows(struct cat *c, struct schema *s, const struct xf_result *r, struct xf_buf *err)
{
    int tn = col_index(r, "table_name"), tt = col_index(r, "table_type"),
        cn = col_index(r, "column_name"), ci = col_index(r, "column_index"),
        ct = col_index(r, "column_type"), to = col_index(r, "table_owner"),
        tc = col_index(r, "table_comment"), cc = col_index(r, "column_comment");
    if (tn < 0 || cn < 0) {
        xf_buf_addf(err,
                    "the catalog query of schema '%s' returned no table_name or "
                    "column_name column: the adapter's catalog_sql is wrong",
                    s->name);
        return -1;
    }
    for (size_t i = 0; i < r->nrows; i++) {
        const struct xf_value *row = r->cells + i * r->ncols;
        const char *tname = cell_str(&c->a, &row[tn]);
        if (!tname)
            continue;
        struct table *t = table_for(c, s, tname);
        if (!t->type && tt >= 0)
            t->type = cell_str(&c->a, &row[tt]);
        if (!t->owner && to >= 0)
            t->owner = cell_str(&c->a, &row[to]);
        if (!t->comment && tc >= 0)
            t->comment = cell_str(&c->a, &row[tc]);
        const char *cname = cell_str(&c->a, &row[cn]);
        if (!cname)
            continue;
        struct column col = {
            .name = cname,
            .type = ct >= 0 ? cell_str(&c->a, &row[ct]) : NULL,
            .comment = cc >= 0 ? cell_str(&c->a, &row[cc]) : NULL,
            .index = ci >= 0 ? cell_int(&row[ci]) : (long long)t->cols.n + 1,
        };
        xf_avec_push(&c->a, &t->cols, col);
    }
    return 0;
}

/* Adapters without catalog_sql: list the relations, then ask for columns one by one. */
static int read_slow(struct cat *c, struct schema *s, struct xf_conn *conn, struct xf_buf *err)
{
    const struct xf_adapter_ops *ops = conn->ops;
    struct xf_relation *rels;
    enum xf_relkind *kinds;
    size_t n;
    if (!ops->list_relations || !ops->columns) {
        xf_buf_addf(err, "the %s adapter cannot list relations for the catalog", ops->name);
        return -1;
    }
    if (ops->list_relations(conn, s->name, &c->a, &rels, &kinds, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct table *t = table_for(c, s, rels[i].identifier);
        t->type = kinds[i] == XF_REL_VIEW ? "VIEW" : "BASE TABLE";
        struct xf_column_info *cols;
        size_t nc;
        if (ops->columns(conn, &rels[i], &c->a, &cols, &nc, err) < 0)
            return -1;
        for (size_t k = 0; k < nc; k++) {
            struct column col = {cols[k].name, cols[k].data_type, NULL,
                                 cols[k].position > 0 ? cols[k].position : (long long)k + 1};
            xf_avec_push(&c->a, &t->cols, col);
        }
    }
    return 0;
}

static int read_schema(struct cat *c, struct schema *s, struct xf_conn *conn, struct xf_buf *err)
{
    const struct xf_adapter_ops *ops = conn->ops;
    if (!ops->catalog_sql || !ops->query)
        return read_slow(c, s, conn, err);
    struct xf_buf sql = XF_BUF_INIT;
    xf_catalog_query(&sql, ops->catalog_sql, s->name);
    struct xf_result r;
    memset(&r, 0, sizeof r);
    int e = ops->query(conn, sql.ptr, &c->a, &r, err);
    xf_buf_release(&sql);
    if (e < 0)
        return -1;
    return read_rows(c, s, &r, err);
}

/* A column the catalog query left without a type, and the relation that has it. */
struct untyped {
    struct column *col;
    const char *rel; /* rendered, in the arena */
};

#define TYPE_BATCH 100  /* columns per query: one statement, not one per column */
#define TYPE_SAMPLE 100 /* non-null values read of each: a type that holds them all */

/*
 * `(SELECT <type of the sample> FROM (SELECT c AS xf_value FROM rel WHERE
 * c IS NOT NULL LIMIT 100))`: NULL when the column has no non-null value.
 */
static void value_type_subquery(struct xf_buf *sql, const struct xf_adapter_ops *ops,
                                const struct untyped *u)
{
    struct xf_buf q = XF_BUF_INIT;
    ops->quote(&q, u->col->name);
    xf_buf_addf(sql,
                "(SELECT %s FROM (SELECT %s AS xf_value FROM %s WHERE %s IS NOT NULL LIMIT %d))",
                ops->catalog_value_type, q.ptr, u->rel, q.ptr, TYPE_SAMPLE);
    xf_buf_release(&q);
}

/* Types of us[0..n) from one query; -1 when it fails (a view that no longer reads). */
static int value_types(struct cat *c, struct xf_conn *conn, struct untyped *us, size_t n)
{
    const struct xf_adapter_ops *ops = conn->ops;
    struct xf_buf sql = XF_BUF_INIT, err = XF_BUF_INIT;
    xf_buf_adds(&sql, "SELECT ");
    for (size_t i = 0; i < n; i++) {
        if (i)
            xf_buf_adds(&sql, ", ");
        value_type_subquery(&sql, ops, &us[i]);
    }
    struct xf_result r;
    memset(&r, 0, sizeof r);
    int e = ops->query(conn, sql.ptr, &c->a, &r, &err);
    xf_buf_release(&sql);
    xf_buf_release(&err);
    if (e < 0 || r.nrows != 1 || r.ncols != n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *t = cell_str(&c->a, &r.cells[i]);
        us[i].col->type = t && *t ? t : ops->catalog_any_type;
    }
    return 0;
}

/*
 * Gives a type to every column the catalog query left untyped, from a
 * sample of its values (the adapter's catalog_value_type): a computed
 * column of a SQLite table or view would otherwise show no type at all. Batched; a
 * batch that fails is asked again one column at a time, and a column
 * whose relation cannot be read gets catalog_any_type.
 */
static void type_from_values(struct cat *c, struct xf_conn *conn, struct untyped *us, size_t n)
{
    for (size_t from = 0; from < n; from += TYPE_BATCH) {
        size_t k = n - from < TYPE_BATCH ? n - from : TYPE_BATCH;
        if (value_types(c, conn, us + from, k) == 0)
            continue;
        for (size_t i = from; i < from + k; i++) {
            if (value_types(c, conn, us + i, 1) < 0)
                us[i].col->type = conn->ops->catalog_any_type;
        }
    }
}

static bool untyped(const struct column *col)
{
    return !col->type || !*col->type;
}

static void table_json(struct xf_jsonw *w, const struct table *t, const struct xf_node *n,
                       const char *schema)
{
    xf_jsonw_key_str(w, n->unique_id);
    xf_jsonw_open_object(w);
    xf_jsonw_key(w, "metadata");
    xf_jsonw_open_object(w);
    xf_jsonw_kstr(w, "type", t->type ? t->type : "BASE TABLE");
    xf_jsonw_kstr(w, "schema", schema);
    xf_jsonw_kstr(w, "name", t->name);
    xf_jsonw_kstr(w, "database", n->database);
    xf_jsonw_kstr(w, "comment", t->comment);
    xf_jsonw_kstr(w, "owner", t->owner);
    xf_jsonw_close_object(w);
    xf_jsonw_key(w, "columns");
    xf_jsonw_open_object(w);
    for (size_t i = 0; i < t->cols.n; i++) {
        const struct column *c = &t->cols.v[i];
        xf_jsonw_key_str(w, c->name);
        xf_jsonw_open_object(w);
        xf_jsonw_kstr(w, "type", c->type ? c->type : "");
        xf_jsonw_key(w, "index");
        xf_jsonw_int(w, c->index);
        xf_jsonw_kstr(w, "name", c->name);
        xf_jsonw_kstr(w, "comment", c->comment);
        xf_jsonw_close_object(w);
    }
    xf_jsonw_close_object(w);
    xf_jsonw_kraw(w, "stats",
                  "{\"has_stats\":{\"id\":\"has_stats\",\"label\":\"Has Stats?\",\"value\":false,"
                  "\"include\":false,\"description\":\"Indicates whether there are statistics "
                  "for this table\"}}");
    xf_jsonw_kstr(w, "unique_id", n->unique_id);
    xf_jsonw_close_object(w);
}

static struct schema *schema_for(struct cat *c, const char *name)
{
    bool found;
    void **slot = xf_map_slot(&c->by_name, xf_str_c(name), &found);
    if (!found) {
        struct schema *s = XF_ANEW(&c->a, struct schema);
        s->name = name;
        xf_map_init(&s->tables);
        *slot = s;
        xf_vec_push(&c->schemas, s);
    }
    return *slot;
}

int xf_write_catalog(const char *dir, const struct xf_project *p, const struct xf_graph *g,
                     struct xf_conn *conn, const struct xf_invocation *inv,
                     struct xf_catalog_stats *stats, struct xf_buf *err)
{
    struct cat c;
    memset(&c, 0, sizeof c);
    xf_arena_init(&c.a);
    xf_map_init(&c.by_name);
    struct xf_catalog_stats st = {0};
    int ret = 0;
    size_t n = g ? g->n : p->nodes.n + p->sources.n;
#define NODE(i) (g ? g->all[i] : (i) < p->nodes.n ? p->nodes.v[i] : p->sources.v[(i)-p->nodes.n])

    /* Which schemas: every one a relation of the project lives in. */
    for (size_t i = 0; i < n; i++) {
        const struct xf_node *nd = NODE(i);
        if (is_relation(nd))
            schema_for(&c, schema_of(p, nd));
    }
    XF_VEC(const char *) errors = {0}; /* in the arena */
    for (size_t i = 0; i < c.schemas.n; i++) {
        struct schema *s = c.schemas.v[i];
        struct xf_buf e = XF_BUF_INIT;
        if (conn && read_schema(&c, s, conn, &e) < 0) {
            s->failed = true;
            const char *msg = xf_arena_printf(&c.a, "could not read the catalog of schema '%s': %s",
                                              s->name, e.len ? e.ptr : "unknown error");
            xf_avec_push(&c.a, &errors, msg);
            if (err->len)
                xf_buf_addch(err, '\n');
            xf_buf_adds(err, msg);
            ret = 1;
        }
        xf_buf_release(&e);
        st.schemas++;
    }

    /* Columns without a type, in the relations of the project: typed from their values. */
    if (conn && conn->ops->catalog_value_type && conn->ops->catalog_any_type && conn->ops->query) {
        XF_VEC(struct untyped) us = {0}; /* in the arena */
        for (size_t i = 0; i < n; i++) {
            const struct xf_node *nd = NODE(i);
            if (!is_relation(nd))
                continue;
            const char *sname = schema_of(p, nd);
            struct schema *s = xf_map_getc(&c.by_name, sname);
            struct table *t =
                s && !s->failed ? xf_map_getc(&s->tables, lower(&c.a, identifier_of(nd))) : NULL;
            if (!t || t->typed)
                continue;
            t->typed = true;
            const char *rel = NULL;
            for (size_t k = 0; k < t->cols.n; k++) {
                if (!untyped(&t->cols.v[k]))
                    continue;
                if (!rel) {
                    struct xf_buf rb = XF_BUF_INIT;
                    struct xf_relation r = {nd->database, sname, t->name};
                    conn->ops->render_relation(&rb, &r);
                    rel = xf_arena_strndup(&c.a, rb.ptr, rb.len);
                    xf_buf_release(&rb);
                }
                struct untyped u = {&t->cols.v[k], rel};
                xf_avec_push(&c.a, &us, u);
            }
        }
        type_from_values(&c, conn, us.v, us.n);
    }

    struct xf_jsonw w;
    xf_jsonw_init(&w, 0);
    xf_jsonw_open_object(&w);
    xf_jsonw_key(&w, "metadata");
    xf_jsonw_open_object(&w);
    xf_jsonw_kstr(&w, "dbt_schema_version", CATALOG_SCHEMA_URL);
    xf_jsonw_kstr(&w, "dbt_version", XF_VERSION);
    xf_jsonw_kstr(&w, "generated_at", inv ? inv->generated_at : NULL);
    xf_jsonw_kstr(&w, "invocation_id", inv ? inv->invocation_id : NULL);
    xf_jsonw_kstr(&w, "invocation_started_at", inv ? inv->generated_at : NULL);
    xf_jsonw_kraw(&w, "env", "{}");
    xf_jsonw_close_object(&w);
    /* nodes, then sources: one pass each over the project */
    for (int pass = 0; pass < 2; pass++) {
        xf_jsonw_key(&w, pass == 0 ? "nodes" : "sources");
        xf_jsonw_open_object(&w);
        for (size_t i = 0; i < n; i++) {
            const struct xf_node *nd = NODE(i);
            if ((nd->type == XF_RES_SOURCE) != (pass == 1) || !is_relation(nd))
                continue;
            const char *sname = schema_of(p, nd);
            struct schema *s = xf_map_getc(&c.by_name, sname);
            if (!s || s->failed)
                continue;
            char key[512];
            size_t k = 0;
            for (const char *id = identifier_of(nd); *id && k + 1 < sizeof key; id++)
                key[k++] = (char)tolower((unsigned char)*id);
            key[k] = '\0';
            const struct table *t = xf_map_getc(&s->tables, key);
            if (!t)
                continue;
            table_json(&w, t, nd, sname);
            if (pass == 1)
                st.sources++;
            else
                st.nodes++;
            st.columns += t->cols.n;
        }
        xf_jsonw_close_object(&w);
    }
#undef NODE
    xf_jsonw_key(&w, "errors");
    if (errors.n) {
        xf_jsonw_open_array(&w);
        for (size_t i = 0; i < errors.n; i++)
            xf_jsonw_str(&w, errors.v[i]);
        xf_jsonw_close_array(&w);
    } else {
        xf_jsonw_null(&w);
    }
    xf_jsonw_close_object(&w);
    xf_buf_addch(&w.out, '\n');
    char *path = xf_path_join(&c.a, dir, "catalog.json");
    int we = xf_write_file(path, w.out.ptr, w.out.len);
    if (we < 0) {
        if (err->len)
            xf_buf_addch(err, '\n');
        xf_buf_addf(err, "could not write %s: %s", path, strerror(-we));
        ret = we;
    }
    xf_jsonw_release(&w);
    if (stats)
        *stats = st;
    for (size_t i = 0; i < c.schemas.n; i++)
        xf_map_release(&c.schemas.v[i]->tables);
    xf_vec_release(&c.schemas);
    xf_map_release(&c.by_name);
    xf_arena_release(&c.a);
    return ret;
}
