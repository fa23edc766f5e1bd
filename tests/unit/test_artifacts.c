// SPDX-License-Identifier: MIT
/*
 * Unit tests for artifacts/: manifest.json and run_results.json for a small
 * hand-built project, read back with jansson and validated against dbt's
 * published JSON schemas (python3 jsonschema), the JSON writer's string
 * escaper and number forms against jansson's own, and manifest and
 * run_results speed on 10,000 nodes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <math.h>

#include "artifacts/artifacts.h"
#include "artifacts/common.h"
#include "artifacts/jsonw.h"
#include "artifacts/junit.h"
#include "graph/graph.h"
#include "templating/jinja.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/path.h"

/* ---- a hand-built project ------------------------------------------------ */

struct fx {
    struct xf_project p;
    struct xf_diags d;
    struct xf_graph g;
    char dir[64];
};

static const char *res_word(enum xf_resource t)
{
    static const char *const w[] = {"model", "seed", "snapshot", "test", "analysis", "source"};
    return w[t];
}

static struct xf_source *file(struct fx *f, const char *path, const char *text)
{
    struct xf_source *s = XF_ANEW(&f->p.arena, struct xf_source);
    s->path = xf_arena_strdup(&f->p.arena, path);
    s->text = xf_arena_strdup(&f->p.arena, text);
    s->len = strlen(text);
    return s;
}

static struct xf_node *add(struct fx *f, enum xf_resource t, const char *dir, const char *rel,
                           const char *text)
{
    struct xf_arena *a = &f->p.arena;
    struct xf_node *n = XF_ANEW(a, struct xf_node);
    n->type = t;
    n->package = f->p.name;
    n->path = xf_arena_strdup(a, rel);
    n->original_file_path = xf_arena_printf(a, "%s/%s", dir, rel);
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    const char *dot = strrchr(base, '.');
    n->name = xf_arena_strndup(a, base, dot ? (size_t)(dot - base) : strlen(base));
    n->unique_id = xf_arena_printf(a, "%s.%s.%s", res_word(t), f->p.name, n->name);
    n->fqn = xf_v_list(a, 3);
    xf_list_push(a, n->fqn.u.l, xf_v_strc(f->p.name));
    xf_list_push(a, n->fqn.u.l, xf_v_strc(n->name));
    n->config = xf_v_dict(a, 4);
    n->tags = xf_v_list(a, 0);
    n->meta = xf_v_dict(a, 0);
    n->schema = "main";
    n->relation_name = xf_arena_printf(a, "\"main\".\"%s\"", n->name);
    if (text) {
        n->src = file(f, n->original_file_path, text);
        xf_sha256_hex(n->checksum, text, strlen(text));
    }
    xf_avec_push(a, &f->p.nodes, n);
    return n;
}

static void ref(struct fx *f, struct xf_node *n, const char *name)
{
    struct xf_dep d = {NULL, name, XF_NOLOC, NULL, NULL};
    xf_avec_push(&f->p.arena, &n->refs, d);
}

static void cfg(struct fx *f, struct xf_node *n, const char *key, struct xf_value v)
{
    xf_dict_set(&f->p.arena, n->config.u.d, xf_str_c(key), v);
}

static struct xf_node *add_source(struct fx *f, const char *source, const char *table)
{
    struct xf_arena *a = &f->p.arena;
    struct xf_node *n = XF_ANEW(a, struct xf_node);
    n->type = XF_RES_SOURCE;
    n->package = f->p.name;
    n->name = table;
    n->source_name = source;
    n->path = n->original_file_path = "models/sources.yml";
    n->unique_id = xf_arena_printf(a, "source.%s.%s.%s", f->p.name, source, table);
    n->fqn = xf_v_list(a, 3);
    xf_list_push(a, n->fqn.u.l, xf_v_strc(f->p.name));
    xf_list_push(a, n->fqn.u.l, xf_v_strc(source));
    xf_list_push(a, n->fqn.u.l, xf_v_strc(table));
    n->config = xf_v_dict(a, 0);
    n->tags = xf_v_list(a, 0);
    n->meta = xf_v_dict(a, 0);
    n->freshness = xf_v_none();
    n->schema = source;
    xf_avec_push(a, &f->p.sources, n);
    return n;
}

static struct xf_node *generic(struct fx *f, const char *test, struct xf_node *on,
                               const char *column, const char *to)
{
    struct xf_arena *a = &f->p.arena;
    char rel[256];
    const char *short_name = strrchr(test, '.') ? strrchr(test, '.') + 1 : test;
    snprintf(rel, sizeof rel, "%s_%s_%s.sql", short_name, on->name, column);
    struct xf_node *t = add(f, XF_RES_TEST, "models", rel, NULL);
    t->original_file_path = "models/schema.yml";
    t->attached = on;
    t->column_name = column;
    t->schema = "main_dbt_test__audit";
    t->relation_name = NULL;
    struct xf_test_decl *d = XF_ANEW(a, struct xf_test_decl);
    d->test_name = test;
    d->column = column;
    d->kwargs = xf_v_dict(a, 2);
    if (to) {
        xf_dict_set(a, d->kwargs.u.d, XF_STR("to"), xf_v_strc(to));
        xf_dict_set(a, d->kwargs.u.d, XF_STR("field"), xf_v_strc("id"));
    }
    d->config = xf_v_dict(a, 0);
    t->decl = d;
    if (on->type == XF_RES_SOURCE) {
        struct xf_dep dep = {on->source_name, on->name, XF_NOLOC, NULL, NULL};
        xf_avec_push(a, &t->source_deps, dep);
    } else {
        ref(f, t, on->name);
    }
    return t;
}

static void column(struct fx *f, struct xf_node *n, const char *name, const char *desc,
                   const char *type)
{
    struct xf_column c = {0};
    c.name = name;
    c.description = desc;
    c.data_type = type;
    c.meta = xf_v_dict(&f->p.arena, 0);
    c.tags = xf_v_list(&f->p.arena, 0);
    xf_avec_push(&f->p.arena, &n->columns, c);
}

static struct fx *fx_new(void)
{
    struct fx *f = xf_calloc(1, sizeof *f);
    xf_arena_init(&f->p.arena);
    xf_diags_init(&f->d);
    f->p.name = "jaffle_shop";
    f->p.root = ".";
    f->p.target_path = "target";
    f->p.target.schema = "main";
    snprintf(f->dir, sizeof f->dir, "/tmp/xf_artifacts_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    return f;
}

static void fx_free(struct fx *f)
{
    if (getenv("XF_KEEP_ARTIFACTS")) { /* for a look at the files */
        print_message("artifacts kept in %s\n", f->dir);
        xf_diags_release(&f->d);
        xf_arena_release(&f->p.arena);
        free(f);
        return;
    }
    char path[128];
    snprintf(path, sizeof path, "%s/manifest.json", f->dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/run_results.json", f->dir);
    unlink(path);
    rmdir(f->dir);
    xf_diags_release(&f->d);
    xf_arena_release(&f->p.arena);
    free(f);
}

/* The jaffle-shop-like project: every kind of node, source, macro and doc. */
static void shop(struct fx *f)
{
    struct xf_arena *a = &f->p.arena;
    struct xf_node *raw_orders = add_source(f, "raw", "orders");
    raw_orders->loaded_at_field = "_loaded_at";
    raw_orders->freshness = xf_v_dict(a, 1);
    struct xf_value warn = xf_v_dict(a, 2);
    xf_dict_set(a, warn.u.d, XF_STR("count"), xf_v_int(12));
    xf_dict_set(a, warn.u.d, XF_STR("period"), xf_v_strc("hour"));
    xf_dict_set(a, raw_orders->freshness.u.d, XF_STR("warn_after"), warn);
    raw_orders->description = "one row per order";
    column(f, raw_orders, "id", "primary key", NULL);
    struct xf_node *raw_cust = add_source(f, "raw", "customers");
    cfg(f, raw_cust, "enabled", xf_v_bool(false));

    struct xf_node *seed = add(f, XF_RES_SEED, "seeds", "raw_payments.csv", "id,amount\n1,2\n");
    cfg(f, seed, "delimiter", xf_v_strc(","));
    struct xf_node *stg = add(f, XF_RES_MODEL, "models", "staging/stg_orders.sql",
                              "select * from {{ source('raw', 'orders') }}\n");
    struct xf_dep sd = {"raw", "orders", XF_NOLOC, NULL, NULL};
    xf_avec_push(a, &stg->source_deps, sd);
    xf_avec_push(a, &stg->macro_deps, "macro.jaffle_shop.cents_to_dollars");
    stg->compiled_code = "select * from \"raw\".\"orders\"\n";
    stg->description = "orders, cleaned";
    stg->patch_path = "jaffle_shop://models/schema.yml";
    column(f, stg, "order_id", "the order", "integer");
    column(f, stg, "status", "", NULL);
    struct xf_node *pay = add(f, XF_RES_MODEL, "models", "staging/stg_payments.sql",
                              "select * from {{ ref('raw_payments') }}\n");
    ref(f, pay, "raw_payments");
    struct xf_node *orders =
        add(f, XF_RES_MODEL, "models", "orders.sql",
            "{{ config(materialized='table', post_hook='analyze') }}\n"
            "select * from {{ ref('stg_orders') }} join {{ ref('stg_payments') }}\n");
    ref(f, orders, "stg_orders");
    ref(f, orders, "stg_payments");
    cfg(f, orders, "materialized", xf_v_strc("table"));
    cfg(f, orders, "post-hook", xf_v_strc("analyze {{ this }}"));
    struct xf_value tags = xf_v_list(a, 2);
    xf_list_push(a, tags.u.l, xf_v_strc("nightly"));
    cfg(f, orders, "tags", xf_v_strc("nightly"));
    orders->tags = tags;
    cfg(f, orders, "unique_key", xf_v_strc("order_id"));
    cfg(f, orders, "my_custom_key", xf_v_int(42));
    xf_dict_set(a, orders->meta.u.d, XF_STR("owner"), xf_v_strc("finance"));
    struct xf_node *old = add(f, XF_RES_MODEL, "models", "old.sql", "select 1\n");
    cfg(f, old, "enabled", xf_v_bool(false));
    struct xf_node *snap =
        add(f, XF_RES_SNAPSHOT, "snapshots", "orders_snapshot.sql",
            "{% snapshot orders_snapshot %}\n"
            "{{ config(strategy='timestamp', unique_key='id', updated_at='u') }}\n"
            "select * from {{ ref('orders') }}\n"
            "{% endsnapshot %}\n");
    ref(f, snap, "orders");
    cfg(f, snap, "strategy", xf_v_strc("timestamp"));
    cfg(f, snap, "updated_at", xf_v_strc("u"));
    struct xf_node *an = add(f, XF_RES_ANALYSIS, "analyses", "revenue.sql",
                             "select sum(amount) from {{ ref('orders') }}\n");
    ref(f, an, "orders");
    struct xf_node *sing = add(f, XF_RES_TEST, "tests", "assert_positive.sql",
                               "select * from {{ ref('orders') }} where amount < 0\n");
    ref(f, sing, "orders");
    struct xf_node *t1 = generic(f, "unique", stg, "order_id", NULL);
    t1->compiled_code = "select order_id from x group by 1 having count(*) > 1";
    cfg(f, t1, "severity", xf_v_strc("warn"));
    generic(f, "relationships", orders, "customer_id", "ref('stg_payments')");
    generic(f, "not_null", raw_orders, "id", NULL);
    generic(f, "dbt_utils.accepted_range", orders, "amount", NULL);

    /* a macro and a docs block */
    const char *mtext = "-- helpers\n{% macro cents_to_dollars(col) %}({{ col }} / 100)"
                        "{% endmacro %}\n";
    struct xf_source *ms = file(f, "macros/cents.sql", mtext);
    struct xf_block *blk = XF_ANEW(a, struct xf_block);
    blk->kind = XF_BLOCK_MACRO;
    blk->name = XF_STR("cents_to_dollars");
    const char *open = strstr(ms->text, "{% macro");
    blk->loc = (struct xf_loc){ms, (size_t)(open - ms->text), 34};
    const char *body = strstr(ms->text, "(col) %}") + 8;
    blk->body = xf_str_n(body, (size_t)(strstr(body, "{% endmacro") - body));
    struct xf_macro_def *m = XF_ANEW(a, struct xf_macro_def);
    m->name = "cents_to_dollars";
    m->unique_id = "macro.jaffle_shop.cents_to_dollars";
    m->package = "jaffle_shop";
    m->path = m->original_file_path = "macros/cents.sql";
    m->block = blk;
    m->src = ms;
    xf_avec_push(a, &f->p.macros, m);
    struct xf_doc_def *doc = XF_ANEW(a, struct xf_doc_def);
    doc->name = "orders_status";
    doc->unique_id = "doc.jaffle_shop.orders_status";
    doc->package = "jaffle_shop";
    doc->path = doc->original_file_path = "models/docs.md";
    doc->text = XF_STR("One of placed, shipped, returned.");
    xf_avec_push(a, &f->p.docs, doc);
}

static const struct xf_invocation inv = {
    .invocation_id = "0b6b1c4e-5e9a-4b8e-9d5c-2f3a4b5c6d7e",
    .generated_at = "2026-11-21T23:04:00.123456Z",
    .command = "build",
    .argv = (const char *const[]){"xform", "build", "--select", "orders+"},
    .argc = 4,
    .adapter_type = "sqlite",
};

#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) < (eps))

static json_t *load_json(const char *dir, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    if (!j)
        fail_msg("%s: %s at line %d", path, err.text, err.line);
    return j;
}

static const char *jget_str(json_t *root, const char *path)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = root;
    for (char *save, *tok = strtok_r(buf, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
        if (json_is_array(cur))
            cur = json_array_get(cur, strtoul(tok, NULL, 10));
        else
            cur = json_object_get(cur, tok);
        if (!cur)
            fail_msg("no %s", path);
    }
    return json_is_string(cur) ? json_string_value(cur) : json_is_null(cur) ? "(null)" : "(?)";
}

static json_t *jget(json_t *root, const char *path)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = root;
    for (char *save, *tok = strtok_r(buf, "/", &save); tok && cur; tok = strtok_r(NULL, "/", &save))
        cur = json_is_array(cur) ? json_array_get(cur, strtoul(tok, NULL, 10))
                                 : json_object_get(cur, tok);
    return cur;
}

static struct fx *built_shop(void)
{
    struct fx *f = fx_new();
    shop(f);
    int rc = xf_graph_build(&f->g, &f->p, &f->d);
    assert_int_equal(rc, 0);
    return f;
}

static void test_manifest_content(void **state)
{
    struct fx *f = built_shop();
    assert_int_equal(xf_write_manifest(f->dir, &f->p, &f->g, &inv), 0);
    json_t *m = load_json(f->dir, "manifest.json");

    /* metadata */
    assert_string_equal(jget_str(m, "metadata/dbt_schema_version"),
                        "https://schemas.getdbt.com/dbt/manifest/v12.json");
    assert_string_equal(jget_str(m, "metadata/dbt_version"), XF_VERSION);
    assert_string_equal(jget_str(m, "metadata/generated_at"), inv.generated_at);
    assert_string_equal(jget_str(m, "metadata/invocation_id"), inv.invocation_id);
    assert_string_equal(jget_str(m, "metadata/project_name"), "jaffle_shop");
    char md5[33];
    xf_md5_hex(md5, "jaffle_shop", 11);
    assert_string_equal(jget_str(m, "metadata/project_id"), md5);
    assert_string_equal(jget_str(m, "metadata/adapter_type"), "sqlite");
    assert_true(json_is_false(jget(m, "metadata/send_anonymous_usage_stats")));

    /* key order: the top-level keys as dbt writes them */
    const char *want_keys[] = {"metadata",  "nodes",         "sources",         "macros",
                               "docs",      "exposures",     "metrics",         "groups",
                               "selectors", "disabled",      "parent_map",      "child_map",
                               "group_map", "saved_queries", "semantic_models", "unit_tests"};
    size_t k = 0;
    const char *key;
    json_t *val;
    json_object_foreach(m, key, val)
    {
        assert_true(k < 16);
        assert_string_equal(key, want_keys[k++]);
    }
    assert_int_equal(k, 16);

    /* a model */
    json_t *o = jget(m, "nodes/model.jaffle_shop.orders");
    assert_non_null(o);
    assert_string_equal(jget_str(o, "resource_type"), "model");
    assert_string_equal(jget_str(o, "original_file_path"), "models/orders.sql");
    assert_string_equal(jget_str(o, "config/materialized"), "table");
    assert_string_equal(jget_str(o, "config/post-hook/0/sql"), "analyze {{ this }}");
    assert_true(json_is_true(jget(o, "config/post-hook/0/transaction")));
    assert_string_equal(jget_str(o, "config/tags/0"), "nightly");
    assert_string_equal(jget_str(o, "config/on_schema_change"), "ignore");
    assert_int_equal(json_integer_value(jget(o, "config/my_custom_key")), 42);
    assert_string_equal(jget_str(o, "tags/0"), "nightly");
    assert_string_equal(jget_str(o, "meta/owner"), "finance");
    assert_string_equal(jget_str(o, "checksum/name"), "sha256");
    assert_int_equal(strlen(jget_str(o, "checksum/checksum")), 64);
    assert_string_equal(jget_str(o, "depends_on/nodes/0"), "model.jaffle_shop.stg_orders");
    assert_string_equal(jget_str(o, "depends_on/nodes/1"), "model.jaffle_shop.stg_payments");
    assert_string_equal(jget_str(o, "refs/1/name"), "stg_payments");
    assert_true(json_is_null(jget(o, "refs/1/package")));
    assert_string_equal(jget_str(o, "access"), "protected");
    assert_string_equal(jget_str(o, "language"), "sql");
    assert_true(json_is_false(jget(o, "compiled")));
    assert_true(json_is_null(jget(o, "compiled_code")));
    assert_near(json_real_value(jget(o, "created_at")), 1795302240.123456, 1e-3);

    json_t *stg = jget(m, "nodes/model.jaffle_shop.stg_orders");
    assert_string_equal(jget_str(stg, "sources/0/0"), "raw");
    assert_string_equal(jget_str(stg, "sources/0/1"), "orders");
    assert_string_equal(jget_str(stg, "depends_on/nodes/0"), "source.jaffle_shop.raw.orders");
    assert_string_equal(jget_str(stg, "depends_on/macros/0"), "macro.jaffle_shop.cents_to_dollars");
    assert_true(json_is_true(jget(stg, "compiled")));
    assert_string_equal(jget_str(stg, "compiled_path"),
                        "target/compiled/jaffle_shop/models/staging/stg_orders.sql");
    assert_string_equal(jget_str(stg, "columns/order_id/data_type"), "integer");
    assert_string_equal(jget_str(stg, "columns/order_id/description"), "the order");
    assert_string_equal(jget_str(stg, "description"), "orders, cleaned");
    assert_string_equal(jget_str(stg, "patch_path"), "jaffle_shop://models/schema.yml");

    /* seed, snapshot, analysis, tests */
    json_t *seed = jget(m, "nodes/seed.jaffle_shop.raw_payments");
    assert_string_equal(jget_str(seed, "config/materialized"), "seed");
    assert_string_equal(jget_str(seed, "raw_code"), "");
    assert_null(jget(seed, "refs"));
    json_t *snap = jget(m, "nodes/snapshot.jaffle_shop.orders_snapshot");
    assert_string_equal(jget_str(snap, "raw_code"),
                        "\n{{ config(strategy='timestamp', unique_key='id', updated_at='u') }}\n"
                        "select * from {{ ref('orders') }}\n");
    assert_string_equal(jget_str(snap, "config/strategy"), "timestamp");
    assert_string_equal(jget_str(jget(m, "nodes/analysis.jaffle_shop.revenue"), "resource_type"),
                        "analysis");
    json_t *sing = jget(m, "nodes/test.jaffle_shop.assert_positive");
    assert_null(jget(sing, "test_metadata"));
    assert_string_equal(jget_str(sing, "config/severity"), "ERROR");
    json_t *uq = jget(m, "nodes/test.jaffle_shop.unique_stg_orders_order_id");
    assert_string_equal(jget_str(uq, "test_metadata/name"), "unique");
    assert_true(json_is_null(jget(uq, "test_metadata/namespace")));
    assert_string_equal(jget_str(uq, "test_metadata/kwargs/column_name"), "order_id");
    assert_string_equal(jget_str(uq, "test_metadata/kwargs/model"),
                        "{{ get_where_subquery(ref('stg_orders')) }}");
    assert_string_equal(jget_str(uq, "attached_node"), "model.jaffle_shop.stg_orders");
    assert_string_equal(jget_str(uq, "column_name"), "order_id");
    assert_string_equal(jget_str(uq, "file_key_name"), "models.stg_orders");
    assert_string_equal(jget_str(uq, "raw_code"), "{{ test_unique(**_dbt_generic_test_kwargs) }}");
    assert_string_equal(jget_str(uq, "config/severity"), "warn");
    assert_string_equal(jget_str(uq, "config/schema"), "dbt_test__audit");
    assert_string_equal(jget_str(uq, "compiled_path"),
                        "target/compiled/jaffle_shop/models/schema.yml/"
                        "unique_stg_orders_order_id.sql");
    json_t *rel = jget(m, "nodes/test.jaffle_shop.relationships_orders_customer_id");
    assert_string_equal(jget_str(rel, "test_metadata/kwargs/to"), "ref('stg_payments')");
    assert_string_equal(jget_str(rel, "depends_on/nodes/0"), "model.jaffle_shop.orders");
    assert_string_equal(jget_str(rel, "depends_on/nodes/1"), "model.jaffle_shop.stg_payments");
    json_t *rng = jget(m, "nodes/test.jaffle_shop.accepted_range_orders_amount");
    assert_string_equal(jget_str(rng, "test_metadata/name"), "accepted_range");
    assert_string_equal(jget_str(rng, "test_metadata/namespace"), "dbt_utils");
    assert_string_equal(jget_str(rng, "raw_code"),
                        "{{ dbt_utils.test_accepted_range(**_dbt_generic_test_kwargs) }}");
    json_t *nn = jget(m, "nodes/test.jaffle_shop.not_null_orders_id");
    assert_string_equal(jget_str(nn, "test_metadata/kwargs/model"),
                        "{{ get_where_subquery(source('raw', 'orders')) }}");
    assert_string_equal(jget_str(nn, "file_key_name"), "sources.raw");

    /* sources, disabled, macros, docs */
    json_t *src = jget(m, "sources/source.jaffle_shop.raw.orders");
    assert_string_equal(jget_str(src, "identifier"), "orders");
    assert_string_equal(jget_str(src, "schema"), "raw");
    assert_string_equal(jget_str(src, "freshness/warn_after/period"), "hour");
    assert_int_equal(json_integer_value(jget(src, "freshness/warn_after/count")), 12);
    assert_true(json_is_null(jget(src, "freshness/error_after/count")));
    assert_null(jget(m, "sources/source.jaffle_shop.raw.customers"));
    assert_null(jget(m, "nodes/model.jaffle_shop.old"));
    assert_string_equal(jget_str(m, "disabled/model.jaffle_shop.old/0/unique_id"),
                        "model.jaffle_shop.old");
    assert_true(json_is_false(jget(m, "disabled/model.jaffle_shop.old/0/config/enabled")));
    assert_string_equal(jget_str(m, "disabled/source.jaffle_shop.raw.customers/0/resource_type"),
                        "source");
    json_t *mac = jget(m, "macros/macro.jaffle_shop.cents_to_dollars");
    assert_string_equal(jget_str(mac, "macro_sql"),
                        "{% macro cents_to_dollars(col) %}({{ col }} / 100){% endmacro %}");
    assert_string_equal(jget_str(m, "docs/doc.jaffle_shop.orders_status/block_contents"),
                        "One of placed, shipped, returned.");

    /* parent and child maps, sorted */
    json_t *pm = jget(m, "parent_map/model.jaffle_shop.orders");
    assert_int_equal(json_array_size(pm), 2);
    json_t *cm = jget(m, "child_map/model.jaffle_shop.orders");
    assert_int_equal(json_array_size(cm), 5);
    assert_string_equal(jget_str(cm, "0"), "analysis.jaffle_shop.revenue");
    assert_string_equal(jget_str(cm, "1"), "snapshot.jaffle_shop.orders_snapshot");
    assert_string_equal(jget_str(cm, "2"), "test.jaffle_shop.accepted_range_orders_amount");
    assert_int_equal(json_array_size(jget(m, "child_map/source.jaffle_shop.raw.orders")), 2);
    assert_int_equal(json_array_size(jget(m, "parent_map/source.jaffle_shop.raw.orders")), 0);
    assert_null(jget(m, "parent_map/model.jaffle_shop.old"));

    json_decref(m);
    fx_free(f);
}

static struct xf_node_result *shop_results(struct fx *f, size_t *n_out)
{
    struct xf_node_result *r = xf_calloc(f->p.nodes.n, sizeof *r);
    size_t n = 0;
    double t = 1795302240.5;
    for (size_t i = 0; i < f->p.nodes.n; i++) {
        const struct xf_node *node = f->p.nodes.v[i];
        if (f->g.disabled[i] || node->type == XF_RES_ANALYSIS)
            continue;
        struct xf_node_result *x = &r[n++];
        x->node = node;
        x->thread_id = (int)(i % 2) + 1;
        x->rows_affected = -1;
        x->failures = -1;
        x->compile_started = t;
        x->compile_completed = t + 0.01;
        x->execute_started = t + 0.01;
        x->execute_completed = t + 0.25;
        x->execution_time = 0.25;
        t += 0.25;
        if (node->type == XF_RES_TEST) {
            x->status = i % 3 ? XF_ST_PASS : XF_ST_FAIL;
            x->failures = x->status == XF_ST_FAIL ? 3 : 0;
            x->message =
                x->status == XF_ST_FAIL ? "Got 3 results, configured to fail if != 0" : NULL;
        } else if (node->type == XF_RES_SNAPSHOT) {
            x->status = XF_ST_SKIPPED;
            x->message = "SKIP";
            x->compile_started = x->execute_started = 0;
        } else {
            x->status = XF_ST_SUCCESS;
            x->message = node->type == XF_RES_SEED ? "INSERT 1" : "OK";
            x->rows_affected = node->type == XF_RES_SEED ? 1 : -1;
        }
    }
    *n_out = n;
    return r;
}

static void test_run_results_content(void **state)
{
    struct fx *f = built_shop();
    size_t n;
    struct xf_node_result *r = shop_results(f, &n);
    assert_int_equal(xf_write_run_results(f->dir, &inv, r, n, 3.5), 0);
    json_t *j = load_json(f->dir, "run_results.json");
    assert_string_equal(jget_str(j, "metadata/dbt_schema_version"),
                        "https://schemas.getdbt.com/dbt/run-results/v6.json");
    assert_int_equal(json_array_size(jget(j, "results")), n);
    assert_string_equal(jget_str(j, "results/0/unique_id"), "seed.jaffle_shop.raw_payments");
    assert_string_equal(jget_str(j, "results/0/status"), "success");
    assert_string_equal(jget_str(j, "results/0/thread_id"), "Thread-1");
    assert_string_equal(jget_str(j, "results/1/thread_id"), "Thread-2");
    assert_string_equal(jget_str(j, "results/0/timing/0/name"), "compile");
    assert_string_equal(jget_str(j, "results/0/timing/0/started_at"),
                        "2026-11-21T23:04:00.500000Z");
    assert_string_equal(jget_str(j, "results/0/timing/1/name"), "execute");
    assert_string_equal(jget_str(j, "results/0/timing/1/completed_at"),
                        "2026-11-21T23:04:00.750000Z");
    assert_int_equal(json_integer_value(jget(j, "results/0/adapter_response/rows_affected")), 1);
    assert_string_equal(jget_str(j, "results/0/adapter_response/_message"), "INSERT 1");
    assert_true(json_is_null(jget(j, "results/0/failures")));
    assert_true(json_is_null(jget(j, "results/0/batch_results")));
    assert_string_equal(jget_str(j, "results/1/compiled_code"),
                        "select * from \"raw\".\"orders\"\n");
    assert_true(json_is_true(jget(j, "results/1/compiled")));
    assert_string_equal(jget_str(j, "results/1/relation_name"), "\"main\".\"stg_orders\"");
    bool saw_fail = false, saw_skip = false;
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(jget(j, "results"), i);
        const char *st = json_string_value(json_object_get(x, "status"));
        if (!strcmp(st, "fail")) {
            saw_fail = true;
            assert_int_equal(json_integer_value(json_object_get(x, "failures")), 3);
        }
        if (!strcmp(st, "skipped")) {
            saw_skip = true;
            assert_int_equal(json_array_size(json_object_get(x, "timing")), 0);
        }
    }
    assert_true(saw_fail);
    assert_true(saw_skip);
    assert_near(json_real_value(jget(j, "elapsed_time")), 3.5, 1e-9);
    assert_string_equal(jget_str(j, "args/which"), "build");
    assert_string_equal(jget_str(j, "args/invocation_command"), "xform build --select orders+");
    assert_string_equal(xf_status_name(XF_ST_RUNTIME_ERROR), "runtime error");
    json_decref(j);
    free(r);
    fx_free(f);
}

static bool same_file(const char *a, const char *b)
{
    struct xf_buf x = XF_BUF_INIT, y = XF_BUF_INIT;
    bool same = xf_read_file(&x, a) == 0 && xf_read_file(&y, b) == 0 && x.len == y.len &&
                memcmp(x.ptr, y.ptr, x.len) == 0;
    xf_buf_release(&x);
    xf_buf_release(&y);
    return same;
}

/* Both documents on two threads: the same bytes as one after the other. */
static void test_write_artifacts(void **state)
{
    struct fx *f = built_shop();
    size_t n;
    struct xf_node_result *r = shop_results(f, &n);
    char other[96], a[160], b[160];
    snprintf(other, sizeof other, "%s/both", f->dir);
    double secs[2] = {-1, -1};
    assert_int_equal(xf_write_artifacts(other, &f->p, &f->g, &inv, r, n, 3.5, secs, NULL), 0);
    assert_true(secs[0] >= 0 && secs[1] >= 0);
    assert_int_equal(xf_write_manifest(f->dir, &f->p, &f->g, &inv), 0);
    assert_int_equal(xf_write_run_results(f->dir, &inv, r, n, 3.5), 0);
    static const char *const names[] = {"manifest.json", "run_results.json"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(a, sizeof a, "%s/%s", other, names[i]);
        snprintf(b, sizeof b, "%s/%s", f->dir, names[i]);
        assert_true(same_file(a, b));
        unlink(a);
    }
    rmdir(other);
    /* a folder that cannot be made: the error comes back */
    snprintf(other, sizeof other, "%s/manifest.json/x", f->dir);
    int errs[2] = {1, 1};
    assert_true(xf_write_artifacts(other, &f->p, &f->g, &inv, r, n, 3.5, NULL, errs) < 0);
    assert_true(errs[0] < 0 && errs[1] < 0);
    free(r);
    fx_free(f);
}

/*
 * A large manifest is made on two threads: the same bytes as on one,
 * whichever half has the enabled nodes.
 */
static void test_manifest_threads(void **state)
{
    enum { N = 4200 };
    for (int pattern = 0; pattern < 3; pattern++) {
        struct fx *f = fx_new();
        /* 0: every other node off; 1: the first half off; 2: the second half off */
#define OFF(i) (pattern == 0 ? (i) % 2 == 1 : pattern == 1 ? (i) < N / 2 : (i) >= N / 2)
        for (int i = 0; i < N; i++) {
            char rel[64];
            snprintf(rel, sizeof rel, "m%d.sql", i);
            struct xf_node *m = add(f, XF_RES_MODEL, "models", rel, "select 1 as \"id\"\n");
            if (i >= 2 && !OFF(i) && !OFF(i - 2))
                ref(f, m, xf_arena_printf(&f->p.arena, "m%d", i - 2));
            m->compiled_code = "select 1 as \"id\"\n";
            if (OFF(i))
                cfg(f, m, "enabled", xf_v_bool(false));
        }
#undef OFF
        assert_int_equal(xf_graph_build(&f->g, &f->p, &f->d), 0);
        struct xf_invocation one = inv;
        one.threads = 1;
        char other[96], a[160], b[160];
        snprintf(other, sizeof other, "%s/one", f->dir);
        assert_int_equal(xf_write_manifest(f->dir, &f->p, &f->g, &inv), 0);
        assert_int_equal(xf_write_manifest(other, &f->p, &f->g, &one), 0);
        snprintf(a, sizeof a, "%s/manifest.json", f->dir);
        snprintf(b, sizeof b, "%s/manifest.json", other);
        assert_true(same_file(a, b));
        json_t *m = load_json(f->dir, "manifest.json");
        assert_int_equal(json_object_size(json_object_get(m, "nodes")), N / 2);
        assert_int_equal(json_object_size(json_object_get(m, "disabled")), N / 2);
        json_decref(m);
        unlink(b);
        rmdir(other);
        fx_free(f);
    }
}

/* ---- validation against dbt's schemas ----------------------------------- */

/* dbt's schemas: $XF_DBT_SCHEMAS, or ../shared/dbt-schemas next to the checkout. */
static bool find_schemas(struct xf_buf *out)
{
    const char *env = getenv("XF_DBT_SCHEMAS");
    if (env) {
        xf_buf_adds(out, env);
        return xf_is_dir(out->ptr);
    }
    /* the checkout: __FILE__ is relative to the build root, the exe's parent's parent */
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return false;
    exe[len] = '\0';
    *strrchr(exe, '/') = '\0'; /* build/tests */
    struct xf_buf src = XF_BUF_INIT, probe = XF_BUF_INIT;
    if (__FILE__[0] != '/')
        xf_buf_addf(&src, "%s/../", exe);
    xf_buf_adds(&src, __FILE__);
    char *cut = strstr(src.ptr, "/tests/unit/test_artifacts.c");
    bool found = false;
    if (cut) {
        xf_buf_setlen(&src, (size_t)(cut - src.ptr));
        static const char *const rel[] = {"/../shared/dbt-schemas", "/../../shared/dbt-schemas"};
        for (size_t i = 0; i < 2 && !found; i++) {
            xf_buf_reset(&probe);
            xf_buf_addf(&probe, "%s%s/manifest_v12.json", src.ptr, rel[i]);
            if (xf_is_file(probe.ptr)) {
                xf_buf_addf(out, "%s%s", src.ptr, rel[i]);
                found = true;
            }
        }
    }
    xf_buf_release(&src);
    xf_buf_release(&probe);
    return found;
}

static const char validator[] =
    "import json, sys\n"
    "from jsonschema import Draft202012Validator\n"
    "from jsonschema.exceptions import best_match\n"
    "schema = json.load(open(sys.argv[1]))\n"
    "doc = json.load(open(sys.argv[2]))\n"
    "errors = list(Draft202012Validator(schema).iter_errors(doc))\n"
    "for e in errors[:10]:\n"
    "    if e.context:\n"
    "        e = best_match(e.context)\n"
    "    print('/'.join(map(str, e.absolute_path)), ':', e.message[:400])\n"
    "sys.exit(1 if errors else 0)\n";

/* Runs the validator; 0 valid, 1 invalid, -1 could not run. */
static int validate(const char *schema, const char *doc, bool quiet)
{
    char script[] = "/tmp/xf_validate_XXXXXX";
    int fd = mkstemp(script);
    if (fd < 0)
        return -1;
    if (write(fd, validator, sizeof validator - 1) != (ssize_t)(sizeof validator - 1)) {
        close(fd);
        unlink(script);
        return -1;
    }
    close(fd);
    struct xf_buf cmd = XF_BUF_INIT;
    xf_buf_addf(&cmd, "/usr/bin/python3 %s '%s' '%s'%s", script, schema, doc,
                quiet ? " >/dev/null" : "");
    int rc = system(cmd.ptr);
    xf_buf_release(&cmd);
    unlink(script);
    if (rc == -1 || !WIFEXITED(rc))
        return -1;
    return WEXITSTATUS(rc) == 0 ? 0 : WEXITSTATUS(rc) == 1 ? 1 : -1;
}

/* Set when the schema check could not run: the suite then reports SKIP (77), not OK. */
static bool schema_check_skipped;

static void test_schema_validation(void **state)
{
    struct xf_buf schemas = XF_BUF_INIT;
    if (!find_schemas(&schemas)) {
        xf_buf_release(&schemas);
        print_message("SKIPPED: dbt's JSON schemas not found (set XF_DBT_SCHEMAS or put them in "
                      "../shared/dbt-schemas); manifest.json and run_results.json were NOT "
                      "validated\n");
        schema_check_skipped = true;
        skip();
    }
    if (system("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null") != 0) {
        xf_buf_release(&schemas);
        print_message("SKIPPED: /usr/bin/python3 with the jsonschema module is not available "
                      "(Debian: python3-jsonschema); the artifacts were NOT validated\n");
        schema_check_skipped = true;
        skip();
    }
    struct fx *f = built_shop();
    assert_int_equal(xf_write_manifest(f->dir, &f->p, &f->g, &inv), 0);
    size_t n;
    struct xf_node_result *r = shop_results(f, &n);
    assert_int_equal(xf_write_run_results(f->dir, &inv, r, n, 3.5), 0);
    free(r);
    struct xf_buf schema = XF_BUF_INIT;
    char doc[256];
    xf_buf_addf(&schema, "%s/manifest_v12.json", schemas.ptr);
    snprintf(doc, sizeof doc, "%s/manifest.json", f->dir);
    assert_int_equal(validate(schema.ptr, doc, false), 0);
    xf_buf_reset(&schema);
    xf_buf_addf(&schema, "%s/run-results_v6.json", schemas.ptr);
    snprintf(doc, sizeof doc, "%s/run_results.json", f->dir);
    assert_int_equal(validate(schema.ptr, doc, false), 0);
    /* and the check can fail: a run result without its status is rejected */
    json_t *j = load_json(f->dir, "run_results.json");
    json_object_del(json_array_get(json_object_get(j, "results"), 0), "status");
    assert_int_equal(json_dump_file(j, doc, 0), 0);
    json_decref(j);
    assert_int_equal(validate(schema.ptr, doc, true), 1);
    xf_buf_release(&schema);
    xf_buf_release(&schemas);
    fx_free(f);
}

/* ---- the JSON writer's escaper and numbers ---------------------------------- */

static bool slow_run(void);

/* Random-test rounds: fewer under valgrind or a sanitizer, which run 20-50x slower. */
static int rounds(int n)
{
    return slow_run() ? n / 10 : n;
}

/* True when s[0..len) is valid UTF-8 by jansson's judgement. */
static bool jansson_valid(const char *s, size_t len)
{
    json_t *j = json_stringn(s, len);
    json_decref(j);
    return j != NULL;
}

/*
 * Checks one string: our output must parse (jansson) back to the input, or
 * for invalid UTF-8 to the input with each bad byte replaced by U+FFFD
 * (the rule xf_artifacts_strn follows, itself built on jansson's check);
 * and for valid input it must be byte for byte what jansson writes.
 */
static void check_escape(const char *s, size_t len)
{
    struct xf_buf out = XF_BUF_INIT;
    xf_buf_adds(&out, "x"); /* escaping appends */
    xf_json_escape(&out, s, len);
    assert_int_equal(out.ptr[0], 'x');
    assert_int_equal(strlen(out.ptr), out.len);
    json_error_t err;
    json_t *got = json_loadb(out.ptr + 1, out.len - 1, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!got)
        fail_msg("escaped text does not parse: %s (%s)", out.ptr + 1, err.text);
    assert_true(json_is_string(got));
    bool valid = jansson_valid(s, len);
    json_t *want = valid ? json_stringn(s, len) : xf_artifacts_strn(s, len);
    assert_non_null(want);
    if (!valid) { /* the repair must not be a no-op: U+FFFD appears */
        assert_non_null(
            memmem(json_string_value(want), json_string_length(want), "\xef\xbf\xbd", 3));
    }
    assert_int_equal(json_string_length(got), json_string_length(want));
    assert_memory_equal(json_string_value(got), json_string_value(want), json_string_length(want));
    if (valid) {
        char *jan = json_dumps(want, JSON_ENCODE_ANY | JSON_COMPACT);
        assert_non_null(jan);
        if (strlen(jan) != out.len - 1 || memcmp(jan, out.ptr + 1, out.len - 1) != 0)
            fail_msg("escaped %s, jansson %s", out.ptr + 1, jan);
        free(jan);
    }
    json_decref(got);
    json_decref(want);
    xf_buf_release(&out);
}

static void test_escape(void **state)
{
    static const struct {
        const char *s;
        size_t len; /* 0: strlen */
    } cases[] = {
        {"", 0},
        {"m00000", 0},
        {"say \"hi\"", 0},
        {"C:\\path\\to\\file", 0},
        {"\"main\".\"orders\"", 0},
        {"tab\there\nnew line\r\n\b\f", 0},
        {"\x01\x02\x1f\x7f end", 0},
        {"nul \0 inside", 13},
        {"slash / stays", 0},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe2\x80\xa8", 0}, /* é € 😀 U+2028 */
        {"\xff", 0},
        {"bad \x80 continuation", 0},
        {"overlong \xc0\x80 and \xe0\x80\x80", 0},
        {"surrogate \xed\xa0\x80", 0},
        {"too big \xf4\x90\x80\x80 \xf5\x80", 0},
        {"cut at the end \xe2\x82", 0},
        {"cut \xf0\x9f\x98 in the middle", 0},
        {"\xc3", 0},
        {"select\n    id,\n    (amount * 3) / 3 as amount\n    from \"main\".\"seed_0\"\n", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_escape(cases[i].s, cases[i].len ? cases[i].len : strlen(cases[i].s));

    /* each kind of byte at each position of strings of 1 to 40 bytes: the
       short, word-at-a-time and tail paths */
    /* clang-format off */
    static const char *const specials[] = {"\"", "\\", "\n", "\x01", "\x1f", "\x7f",
                                           "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                           "\x80", "\xc3", "\xff", "\xed\xa0\x80"};
    /* clang-format on */
    char buf[64];
    for (size_t len = 1; len <= 40; len++) {
        for (size_t k = 0; k < sizeof specials / sizeof specials[0]; k++) {
            size_t sl = strlen(specials[k]);
            for (size_t at = 0; at + sl <= len; at++) {
                memset(buf, 'a' + (int)(len % 26), len);
                memcpy(buf + at, specials[k], sl);
                check_escape(buf, len);
            }
        }
    }

    /* random strings, mostly ASCII with some of everything */
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int n = 0; n < rounds(20000); n++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t len = (size_t)(x % 60);
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            unsigned r = (unsigned)(x >> 24) & 0xff;
            buf[i] = (char)(r < 160 ? 0x20 + r % 95 : r < 200 ? r % 0x20 : r);
        }
        check_escape(buf, len);
    }

    /* long runs of escapes: the writer checks for room once per batch */
    static char many[20000];
    for (size_t i = 0; i < sizeof many; i++)
        many[i] = "\x01\"\n\\a\xff\xc3\xa9"[i % 8];
    check_escape(many, sizeof many);
    check_escape(many + 3, sizeof many - 7);

    /* longer text from pieces: SQL-like runs, escapes, valid multi-byte
       characters and bad bytes falling anywhere across 16-byte blocks */
    /* clang-format off */
    static const char *const pieces[] = {"select", " ", "\n    ", "\"main\"", ".", "\\",
                                         "\t", "\x1b", "caf\xc3\xa9", "\xe2\x82\xac",
                                         "\xf0\x9f\x98\x80", "\xff", "\xe2\x82", "\x80\x80",
                                         "a_rather_long_identifier_without_escapes", "(", "'x'"};
    /* clang-format on */
    char text[24 * 48];
    for (int n = 0; n < rounds(20000); n++) {
        size_t len = 0;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t count = (size_t)(x % 24);
        for (size_t k = 0; k < count; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            const char *pc = pieces[x % (sizeof pieces / sizeof pieces[0])];
            size_t pl = strlen(pc);
            memcpy(text + len, pc, pl);
            len += pl;
        }
        check_escape(text, len);
    }
}

/* A streamed document: strings cut by chunk boundaries come out whole. */
static void test_stream(void **state)
{
    char dir[] = "/tmp/xf_stream_XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct xf_jsonw w;
    assert_int_equal(xf_jsonw_init_file(&w, dir, "doc.json"), 0);
    json_t *want = json_array();
    struct xf_buf s = XF_BUF_INIT;
    uint64_t x = 0x51afd7ed558ccd1du;
    xf_jsonw_open_array(&w);
    for (int n = 0; n < 400; n++) {
        xf_buf_reset(&s);
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t len = (size_t)(x % (n % 10 == 0 ? 200000 : 3000));
        /* clang-format off */
        static const char *const piece[] = {"a", "bc", "\"", "\n", "\x02", "\\", "d",
                                            "\xc3\xa9", "\xe2\x82\xac", "efghij"};
        /* clang-format on */
        for (size_t i = 0; s.len < len; i++)
            xf_buf_adds(&s, piece[(i * 7 + (size_t)n) % 10]);
        xf_jsonw_strn(&w, s.ptr, s.len);
        assert_int_equal(json_array_append_new(want, json_stringn(s.ptr, s.len)), 0);
        xf_jsonw_int(&w, n);
        json_array_append_new(want, json_integer(n));
    }
    xf_jsonw_close_array(&w);
    assert_int_equal(xf_jsonw_commit(&w), 0);
    xf_jsonw_release(&w);
    char path[64];
    snprintf(path, sizeof path, "%s/doc.json", dir);
    json_error_t err;
    json_t *got = json_load_file(path, 0, &err);
    if (!got)
        fail_msg("%s: %s", path, err.text);
    assert_true(json_equal(got, want));
    char *again = json_dumps(want, JSON_COMPACT);
    struct xf_buf file = XF_BUF_INIT;
    assert_int_equal(xf_read_file(&file, path), 0);
    assert_string_equal(file.ptr, again); /* byte for byte as jansson */
    free(again);
    xf_buf_release(&file);
    json_decref(got);
    json_decref(want);
    xf_buf_release(&s);
    unlink(path);
    /* nothing is left behind but the document */
    assert_int_equal(rmdir(dir), 0);
}

/* Reals as jansson writes them: %.17g, ".0" added, exponent without '+' and zeros. */
static void check_real(double d)
{
    char ours[32];
    size_t n = xf_json_real(ours, d);
    json_t *j = json_real(d);
    if (!j) { /* NaN, infinities */
        assert_int_equal(n, 0);
        return;
    }
    char *jan = json_dumps(j, JSON_ENCODE_ANY);
    if (n != strlen(jan) || memcmp(ours, jan, n) != 0)
        fail_msg("real %.17g: ours %.*s, jansson %s", d, (int)n, ours, jan);
    free(jan);
    json_decref(j);
}

static void test_numbers(void **state)
{
    /* clang-format off */
    static const double fixed[] = {0.0, -0.0, 1.0, -1.0, 0.5, 0.1, 1.5, 100.0, 1e15, 1e16, 1e17,
                                   1e22, 1e-4, 1e-5, 9.9999999999999995e-8, 123456789012345678.0,
                                   5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                                   12345678.0009765625, /* a tie at 17 digits */
                                   0.00014090538024902344, 1795302240.123456, 3.5,
                                   99999999999999999.0, 0.30000000000000004, 1.0 / 3.0};
    /* clang-format on */
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        check_real(fixed[i]);
        check_real(-fixed[i]);
    }
    check_real(NAN);
    check_real(INFINITY);
    check_real(-INFINITY);
    /* random bit patterns, and durations and time stamps as a run makes them */
    uint64_t x = 0x2545f4914f6cdd1du;
    for (int n = 0; n < rounds(100000); n++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double d;
        memcpy(&d, &x, sizeof d);
        check_real(d);
        check_real((double)(x >> 11) / 9007199254740992.0 * 3.0);
        check_real(1795302240.0 + (double)(x % 100000000) / 1e6);
        check_real((double)(x % 1000000007) / (double)(1 + (x >> 40) % 1000003));
    }
    /* integers */
    /* clang-format off */
    static const long long ints[] = {0, 1, -1, 9, 10, 42, -42, 1234567890123LL,
                                     9223372036854775807LL, -9223372036854775807LL - 1};
    /* clang-format on */
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        char ours[24], want[32];
        size_t n = xf_json_int(ours, ints[i]);
        snprintf(want, sizeof want, "%lld", ints[i]);
        assert_int_equal(n, strlen(want));
        assert_memory_equal(ours, want, n);
    }
}

/* Time stamps against gmtime_r + printf, with and without the per-second cache. */
static void check_stamp(struct xf_iso8601_cache *c, double t)
{
    double r = !(t >= 0) || !isfinite(t) ? 0 : t;
    time_t secs = (time_t)r;
    int usec = (int)lround((r - (double)secs) * 1e6);
    if (usec >= 1000000)
        secs++, usec -= 1000000;
    struct tm tm;
    gmtime_r(&secs, &tm);
    char want[96], got[96], got2[96];
    snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
    xf_artifacts_iso8601(got, t);
    xf_artifacts_iso8601_cached(c, got2, t);
    assert_string_equal(got, want);
    assert_string_equal(got2, want);
}

static void test_time_stamps(void **state)
{
    struct xf_iso8601_cache c = XF_ISO8601_CACHE_INIT;
    /* clang-format off */
    static const double fixed[] = {0, -5, NAN, 1795302240.123456, 1795302240.9999996,
                                   951782400, /* 2000-02-29 */ 4107542400, /* 2100-03-01 */
                                   253402300799.5, 253402300800.25, 86399.9999999};
    /* clang-format on */
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        check_stamp(&c, fixed[i]);
    uint64_t x = 0x1234567887654321u;
    for (int n = 0; n < rounds(200000); n++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double t = (double)(x % 8000000000000000u) / 1e6; /* up to year 2223 */
        check_stamp(&c, t);
        check_stamp(&c, t + 0.25); /* often the same second: from the cache */
    }
}

/* ---- speed ------------------------------------------------------------------ */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: steady on a busy machine */
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool slow_run(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return true;
#else
    const char *pre = getenv("LD_PRELOAD");
    return pre && strstr(pre, "vgpreload"); /* valgrind */
#endif
}

static void test_manifest_speed(void **state)
{
    enum { N = 10000 };
    struct fx *f = fx_new();
    struct xf_arena *a = &f->p.arena;
    static const char text[] = "{{ config(materialized='table') }}\n"
                               "select o.id, o.customer_id, sum(p.amount) as amount\n"
                               "from {{ ref('m0') }} o join {{ ref('m1') }} p using (id)\n"
                               "group by 1, 2\n";
    for (int i = 0; i < N / 2; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "m%d.sql", i);
        struct xf_node *m = add(f, XF_RES_MODEL, "models", rel, text);
        if (i >= 2) {
            ref(f, m, xf_arena_printf(a, "m%d", i / 2));
            ref(f, m, xf_arena_printf(a, "m%d", i - 1));
        }
        cfg(f, m, "materialized", xf_v_strc("table"));
        m->compiled_code = "select o.id, o.customer_id, sum(p.amount) as amount from x";
        column(f, m, "id", "primary key", "integer");
        column(f, m, "amount", "total", NULL);
        generic(f, "not_null", m, "id", NULL);
    }
    assert_int_equal(xf_graph_build(&f->g, &f->p, &f->d), 0);
    double best = 1e9;
    for (int run = 0; run < 3; run++) {
        double t0 = now();
        assert_int_equal(xf_write_manifest(f->dir, &f->p, &f->g, &inv), 0);
        double t = now() - t0;
        best = t < best ? t : best;
    }
    struct stat st;
    char path[128];
    snprintf(path, sizeof path, "%s/manifest.json", f->dir);
    assert_int_equal(stat(path, &st), 0);
    print_message("manifest: %zu nodes, %.1f MB in %.1f ms\n", f->p.nodes.n,
                  (double)st.st_size / 1e6, best * 1e3);
    assert_true(best < (slow_run() ? 30.0 : 0.5));

    /* run_results for the same nodes, compiled SQL included */
    struct xf_node_result *r = xf_calloc(f->p.nodes.n, sizeof *r);
    for (size_t i = 0; i < f->p.nodes.n; i++) {
        r[i].node = f->p.nodes.v[i];
        r[i].status = XF_ST_SUCCESS;
        r[i].message = "OK";
        r[i].failures = r[i].rows_affected = -1;
        r[i].compile_started = 1795302240.5 + (double)i * 1e-3;
        r[i].compile_completed = r[i].execute_started = r[i].compile_started + 1.5e-4;
        r[i].execute_completed = r[i].execute_started + 2.25e-4;
        r[i].execution_time = 3.75e-4 + (double)i * 1e-9;
        r[i].thread_id = (int)(i % 4) + 1;
    }
    best = 1e9;
    for (int run = 0; run < 3; run++) {
        double t0 = now();
        assert_int_equal(xf_write_run_results(f->dir, &inv, r, f->p.nodes.n, 12.5), 0);
        double t = now() - t0;
        best = t < best ? t : best;
    }
    snprintf(path, sizeof path, "%s/run_results.json", f->dir);
    assert_int_equal(stat(path, &st), 0);
    print_message("run_results: %zu results, %.1f MB in %.1f ms\n", f->p.nodes.n,
                  (double)st.st_size / 1e6, best * 1e3);
    assert_true(best < (slow_run() ? 6.0 : 0.1)); /* a jansson tree took ~0.3 s */
    free(r);
    fx_free(f);
}

/* The JUnit writer's escaping: what XML 1.0 cannot carry becomes U+FFFD. */
static void check_xml(const char *in, bool attr, const char *want)
{
    struct xf_buf b = XF_BUF_INIT;
    xf_xml_escape(&b, in, attr);
    assert_string_equal(b.ptr, want);
    xf_buf_release(&b);
}

static void test_xml_escape(void **state)
{
    (void)state;
    check_xml("a & b < c > d", false, "a &amp; b &lt; c &gt; d");
    check_xml("say \"hi\" it's", false, "say \"hi\" it's");
    check_xml("say \"hi\" it's", true, "say &quot;hi&quot; it&apos;s");
    check_xml("l1\nl2\tx", false, "l1\nl2\tx");
    check_xml("l1\nl2\tx\r", true, "l1&#10;l2&#9;x&#13;");
    check_xml("bell\x07"
              "esc\x1b.",
              false,
              "bell\xEF\xBF\xBD"
              "esc\xEF\xBF\xBD.");
    check_xml("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", false,
              "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
    /* invalid UTF-8: a lone continuation byte, a truncated sequence, an overlong
     * form, a surrogate, U+FFFE */
    check_xml("a\x80"
              "b",
              false,
              "a\xEF\xBF\xBD"
              "b");
    check_xml("a\xE2\x82", false, "a\xEF\xBF\xBD\xEF\xBF\xBD");
    check_xml("\xC0\xAF", false, "\xEF\xBF\xBD\xEF\xBF\xBD");
    check_xml("\xED\xA0\x80", false, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    check_xml("\xEF\xBF\xBE", false, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    check_xml(NULL, true, "");
}

int main(void)
{
    /* clang-format off */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xml_escape),
        cmocka_unit_test(test_manifest_content),
        cmocka_unit_test(test_run_results_content),
        cmocka_unit_test(test_write_artifacts),
        cmocka_unit_test(test_manifest_threads),
        cmocka_unit_test(test_schema_validation),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_time_stamps),
        cmocka_unit_test(test_manifest_speed),
    };
    /* clang-format on */
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    /* everything else passed but the artifacts were not validated: say so to meson */
    return failed == 0 && schema_check_skipped ? 77 : failed;
}
