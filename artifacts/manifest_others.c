// SPDX-License-Identifier: MIT
/*
 * The manifest's exposures, metrics, semantic_models, saved_queries and
 * unit_tests (manifest v12): what the parser kept in dbt's shape
 * (node->props), plus the members every resource has and the resolved
 * dependencies the graph found.
 */
#include <string.h>

#include "artifacts/common.h"
#include "artifacts/jsonw.h"

static void deps_json(struct xf_jsonw *w, const struct xf_graph *g, const struct xf_node *n)
{
    uint32_t i = xf_graph_index(g, n);
    xf_jsonw_key(w, "depends_on");
    xf_jsonw_open_object(w);
    xf_jsonw_kraw(w, "macros", "[]");
    xf_jsonw_key(w, "nodes");
    xf_jsonw_open_array(w);
    for (uint32_t k = 0; k < g->nparents[i]; k++)
        xf_jsonw_str(w, g->all[g->parents[i][k]]->unique_id);
    xf_jsonw_close_array(w);
    xf_jsonw_close_object(w);
}

static void refs_json(struct xf_jsonw *w, const struct xf_node *n)
{
    xf_jsonw_key(w, "refs");
    xf_jsonw_open_array(w);
    for (size_t k = 0; k < n->refs.n; k++) {
        xf_jsonw_open_object(w);
        xf_jsonw_kstr(w, "name", n->refs.v[k].name);
        xf_jsonw_key(w, "package");
        if (n->refs.v[k].package)
            xf_jsonw_str(w, n->refs.v[k].package);
        else
            xf_jsonw_null(w);
        xf_jsonw_kraw(w, "version", "null");
        xf_jsonw_close_object(w);
    }
    xf_jsonw_close_array(w);
}

static void pairs_json(struct xf_jsonw *w, const char *key, const struct xf_node *n, bool sources)
{
    xf_jsonw_key(w, key);
    xf_jsonw_open_array(w);
    if (sources) {
        for (size_t k = 0; k < n->source_deps.n; k++) {
            xf_jsonw_open_array(w);
            xf_jsonw_str(w, n->source_deps.v[k].package);
            xf_jsonw_str(w, n->source_deps.v[k].name);
            xf_jsonw_close_array(w);
        }
    } else {
        for (size_t k = 0; k < n->other_deps.n; k++) {
            if (strcmp(n->other_deps.v[k].package, "metric"))
                continue;
            xf_jsonw_open_array(w);
            xf_jsonw_str(w, n->other_deps.v[k].name);
            xf_jsonw_close_array(w);
        }
    }
    xf_jsonw_close_array(w);
}

static void config_json(struct xf_jsonw *w, const struct xf_node *n)
{
    const struct xf_value *en =
        n->config.t == XF_V_DICT ? xf_dict_getc(n->config.u.d, "enabled") : NULL;
    xf_jsonw_key(w, "config");
    xf_jsonw_open_object(w);
    for (size_t k = 0; n->config.t == XF_V_DICT && k < n->config.u.d->n; k++) {
        const struct xf_dict_ent *e = &n->config.u.d->ents[k];
        if (xf_str_eqc(e->key, "enabled") || xf_str_eqc(e->key, "tags") ||
            xf_str_eqc(e->key, "meta"))
            continue;
        xf_jsonw_key_strn(w, e->key.p, e->key.len);
        xf_jsonw_value(w, &e->val);
    }
    xf_jsonw_kbool(w, "enabled", !en || en->t != XF_V_BOOL || en->u.b);
    if (n->type != XF_RES_SEMANTIC_MODEL && n->type != XF_RES_METRIC) {
        xf_jsonw_key(w, "tags");
        xf_jsonw_value(w, &n->tags);
    }
    xf_jsonw_key(w, "meta");
    xf_jsonw_value(w, &n->meta);
    xf_jsonw_close_object(w);
    if (n->type != XF_RES_UNIT_TEST) /* dbt's unit tests have none */
        xf_jsonw_kraw(w, "unrendered_config", "{}");
}

static void rows_json(struct xf_jsonw *w, const struct xf_ut_rows *r)
{
    xf_jsonw_key(w, "rows");
    if (!strcmp(r->format, "sql") && r->sql && !r->fixture)
        xf_jsonw_str(w, r->sql);
    else if (!strcmp(r->format, "dict"))
        xf_jsonw_value(w, &r->rows);
    else
        xf_jsonw_null(w);
    xf_jsonw_kstr(w, "format", r->format);
    xf_jsonw_key(w, "fixture");
    if (r->fixture)
        xf_jsonw_str(w, r->fixture);
    else
        xf_jsonw_null(w);
}

static void unit_test_json(struct xf_jsonw *w, const struct xf_node *n)
{
    const struct xf_unit_test *u = n->unit;
    xf_jsonw_kstr(w, "model", u->model);
    xf_jsonw_key(w, "given");
    xf_jsonw_open_array(w);
    for (size_t k = 0; k < u->given.n; k++) {
        xf_jsonw_open_object(w);
        xf_jsonw_kstr(w, "input", u->given.v[k].input);
        rows_json(w, &u->given.v[k].rows);
        xf_jsonw_close_object(w);
    }
    xf_jsonw_close_array(w);
    xf_jsonw_key(w, "expect");
    xf_jsonw_open_object(w);
    rows_json(w, &u->expect);
    xf_jsonw_close_object(w);
    xf_jsonw_kstr(w, "description", n->description ? n->description : "");
    xf_jsonw_key(w, "overrides");
    if (u->overrides.t == XF_V_DICT && u->overrides.u.d->n)
        xf_jsonw_value(w, &u->overrides);
    else
        xf_jsonw_null(w);
    xf_jsonw_kraw(w, "checksum", "null");
    xf_jsonw_kraw(w, "schema", "null");
    xf_jsonw_kraw(w, "versions", "null");
    xf_jsonw_kraw(w, "version", "null");
}

void xf_manifest_other_json(struct xf_jsonw *w, const struct xf_graph *g, const struct xf_node *n,
                            double created_at)
{
    xf_jsonw_open_object(w);
    xf_jsonw_kstr(w, "name", n->name);
    xf_jsonw_kstr(w, "resource_type", xf_resource_name(n->type));
    xf_jsonw_kstr(w, "package_name", n->package);
    xf_jsonw_kstr(w, "path", n->path);
    xf_jsonw_kstr(w, "original_file_path", n->original_file_path);
    xf_jsonw_kstr(w, "unique_id", n->unique_id);
    xf_jsonw_key(w, "fqn");
    xf_jsonw_value(w, &n->fqn);
    for (size_t k = 0; n->props.t == XF_V_DICT && k < n->props.u.d->n; k++) {
        const struct xf_dict_ent *e = &n->props.u.d->ents[k];
        xf_jsonw_key_strn(w, e->key.p, e->key.len);
        xf_jsonw_value(w, &e->val);
    }
    if (n->type == XF_RES_UNIT_TEST)
        unit_test_json(w, n);
    config_json(w, n);
    deps_json(w, g, n);
    if (n->type != XF_RES_UNIT_TEST)
        refs_json(w, n);
    if (n->type == XF_RES_EXPOSURE || n->type == XF_RES_METRIC) {
        pairs_json(w, "sources", n, true);
        pairs_json(w, "metrics", n, false);
    }
    if (n->type == XF_RES_SEMANTIC_MODEL) {
        const struct xf_node *m = n->refs.n ? n->refs.v[0].node : NULL;
        xf_jsonw_key(w, "node_relation");
        if (m && m->schema) {
            xf_jsonw_open_object(w);
            xf_jsonw_kstr(w, "alias", m->alias ? m->alias : m->name);
            xf_jsonw_kstr(w, "schema_name", m->schema);
            xf_jsonw_key(w, "database");
            if (m->database)
                xf_jsonw_str(w, m->database);
            else
                xf_jsonw_null(w);
            xf_jsonw_key(w, "relation_name");
            if (m->relation_name)
                xf_jsonw_str(w, m->relation_name);
            else
                xf_jsonw_null(w);
            xf_jsonw_close_object(w);
        } else {
            xf_jsonw_null(w);
        }
    }
    xf_jsonw_key(w, "created_at");
    xf_jsonw_real(w, created_at);
    xf_jsonw_close_object(w);
}

void xf_manifest_others(struct xf_jsonw *w, const struct xf_graph *g, enum xf_resource kind,
                        double created_at)
{
    const struct xf_project *p = g->project;
    size_t base = p->nodes.n + p->sources.n;
    xf_jsonw_open_object(w);
    for (size_t i = 0; i < p->others.n; i++) {
        const struct xf_node *n = p->others.v[i];
        if (n->type != kind || g->disabled[base + i])
            continue;
        xf_jsonw_key_str(w, n->unique_id);
        xf_manifest_other_json(w, g, n, created_at);
    }
    xf_jsonw_close_object(w);
}
