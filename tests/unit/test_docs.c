// SPDX-License-Identifier: MIT
/*
 * Unit tests for the lineage formats (text tree, dot, Mermaid, JSON) on a
 * small hand-built graph, the JSON escaping that keeps embedded data
 * inside its <script> element, index.html as the docs site writes it, and
 * catalog.json read from a real SQLite warehouse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "adapters/adapter.h"
#include "artifacts/artifacts.h"
#include "util/path.h"
#include "util/value.h"

/*
 *   raw_orders (seed) ──> stg_orders ──> orders ──> report
 *   shop.customers (source) ─────────────┘     └──> not_null_orders_id (test)
 *   stg_orders ───────────────────────────────────> report
 */
enum { SEED, STG, ORDERS, REPORT, TEST, SRC, NN };

struct fixture {
    struct xf_node nodes[NN];
    struct xf_node *all[NN];
    uint32_t *parents[NN], *children[NN];
    uint32_t nparents[NN], nchildren[NN];
    uint32_t order[NN];
    uint32_t edges[16][2];
    size_t nedges;
    struct xf_graph g;
};

static void node(struct fixture *f, int i, enum xf_resource t, const char *name, const char *uid)
{
    struct xf_node *n = &f->nodes[i];
    memset(n, 0, sizeof *n);
    n->type = t;
    n->name = name;
    n->unique_id = uid;
    n->index = (uint32_t)i;
    f->all[i] = n;
}

static void edge(struct fixture *f, uint32_t from, uint32_t to)
{
    f->edges[f->nedges][0] = from;
    f->edges[f->nedges][1] = to;
    f->nedges++;
}

static struct fixture *make(void)
{
    struct fixture *f = calloc(1, sizeof *f);
    node(f, SEED, XF_RES_SEED, "raw_orders", "seed.shop.raw_orders");
    node(f, STG, XF_RES_MODEL, "stg_orders", "model.shop.stg_orders");
    node(f, ORDERS, XF_RES_MODEL, "orders", "model.shop.orders");
    node(f, REPORT, XF_RES_MODEL, "re\"port", "model.shop.re\"port");
    node(f, TEST, XF_RES_TEST, "not_null_orders_id", "test.shop.not_null_orders_id");
    node(f, SRC, XF_RES_SOURCE, "customers", "source.shop.shop.customers");
    f->nodes[SRC].source_name = "shop";
    f->nodes[ORDERS].original_file_path = "models/orders.sql";
    edge(f, SEED, STG);
    edge(f, STG, ORDERS);
    edge(f, SRC, ORDERS);
    edge(f, ORDERS, REPORT);
    edge(f, STG, REPORT);
    edge(f, ORDERS, TEST);
    for (size_t i = 0; i < NN; i++) {
        f->parents[i] = calloc(NN, sizeof(uint32_t));
        f->children[i] = calloc(NN, sizeof(uint32_t));
    }
    for (size_t e = 0; e < f->nedges; e++) {
        uint32_t a = f->edges[e][0], b = f->edges[e][1];
        f->children[a][f->nchildren[a]++] = b;
        f->parents[b][f->nparents[b]++] = a;
    }
    static const uint32_t order[NN] = {SEED, SRC, STG, ORDERS, REPORT, TEST};
    memcpy(f->order, order, sizeof order);
    f->g = (struct xf_graph){
        .n = NN,
        .all = f->all,
        .parents = f->parents,
        .nparents = f->nparents,
        .children = f->children,
        .nchildren = f->nchildren,
        .order = f->order,
    };
    return f;
}

static void release(struct fixture *f)
{
    for (size_t i = 0; i < NN; i++) {
        free(f->parents[i]);
        free(f->children[i]);
    }
    free(f);
}

static void test_format_names(void **state)
{
    enum xf_lineage_format f;
    assert_int_equal(xf_lineage_format_parse(&f, "text"), 0);
    assert_int_equal(f, XF_LINEAGE_TEXT);
    assert_int_equal(xf_lineage_format_parse(&f, "dot"), 0);
    assert_int_equal(f, XF_LINEAGE_DOT);
    assert_int_equal(xf_lineage_format_parse(&f, "mermaid"), 0);
    assert_int_equal(f, XF_LINEAGE_MERMAID);
    assert_int_equal(xf_lineage_format_parse(&f, "json"), 0);
    assert_int_equal(f, XF_LINEAGE_JSON);
    assert_int_equal(xf_lineage_format_parse(&f, "svg"), -1);
    assert_int_equal(xf_lineage_format_parse(&f, ""), -1);
}

static void test_text_tree(void **state)
{
    struct fixture *f = make();
    struct xf_buf b = XF_BUF_INIT;
    size_t n = xf_lineage_write(&b, &f->g, NULL, XF_LINEAGE_TEXT);
    assert_int_equal(n, 5); /* the test is left out */
    assert_string_equal(b.ptr, "raw_orders (seed)\n"
                               "\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 stg_orders (model, view)\n"
                               "    \xe2\x94\x9c\xe2\x94\x80\xe2\x94\x80 orders (model, view)\n"
                               "    \xe2\x94\x82   \xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 re\"port "
                               "(model, view)\n"
                               "    \xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 re\"port (model, view) "
                               "[see above]\n"
                               "shop.customers (source)\n"
                               "\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 orders (model, view) "
                               "[see above]\n");
    xf_buf_release(&b);
    release(f);
}

static void test_dot(void **state)
{
    struct fixture *f = make();
    struct xf_buf b = XF_BUF_INIT;
    xf_lineage_write(&b, &f->g, NULL, XF_LINEAGE_DOT);
    assert_non_null(strstr(b.ptr, "digraph lineage {\n    rankdir=LR;\n"));
    assert_non_null(strstr(b.ptr, "    \"seed.shop.raw_orders\" [label=\"raw_orders\", "
                                  "shape=note"));
    assert_non_null(strstr(b.ptr, "    \"source.shop.shop.customers\" [label=\"shop.customers\", "
                                  "shape=cylinder"));
    assert_non_null(strstr(b.ptr, "    \"model.shop.re\\\"port\" [label=\"re\\\"port\", "
                                  "shape=box,"));
    assert_non_null(strstr(b.ptr, "    \"model.shop.stg_orders\" -> \"model.shop.orders\";\n"));
    assert_non_null(strstr(b.ptr, "    \"model.shop.orders\" -> \"model.shop.re\\\"port\";\n"));
    assert_null(strstr(b.ptr, "not_null"));
    /* five edges between data nodes, none to the test */
    size_t arrows = 0;
    for (const char *p = b.ptr; (p = strstr(p, " -> ")); p++)
        arrows++;
    assert_int_equal(arrows, 5);
    assert_string_equal(b.ptr + b.len - 2, "}\n");
    xf_buf_release(&b);
    release(f);
}

static void test_mermaid(void **state)
{
    struct fixture *f = make();
    struct xf_buf b = XF_BUF_INIT;
    xf_lineage_write(&b, &f->g, NULL, XF_LINEAGE_MERMAID);
    assert_memory_equal(b.ptr, "graph LR\n", 9);
    assert_non_null(strstr(b.ptr, "    n0[/\"raw_orders\"/]:::seed\n"));
    assert_non_null(strstr(b.ptr, "    n5[(\"shop.customers\")]:::source\n"));
    assert_non_null(strstr(b.ptr, "    n3[\"re#quot;port\"]:::model\n"));
    assert_non_null(strstr(b.ptr, "    n0 --> n1\n"));
    assert_non_null(strstr(b.ptr, "    n5 --> n2\n"));
    assert_non_null(strstr(b.ptr, "    n1 --> n3\n"));
    assert_null(strstr(b.ptr, "n4"));
    xf_buf_release(&b);
    release(f);
}

static void test_json_and_selection(void **state)
{
    struct fixture *f = make();
    struct xf_buf b = XF_BUF_INIT;
    bool sel[NN] = {false};
    sel[STG] = sel[ORDERS] = sel[SRC] = sel[TEST] = true;
    size_t n = xf_lineage_write(&b, &f->g, sel, XF_LINEAGE_JSON);
    assert_int_equal(n, 3);
    json_error_t je;
    json_t *j = json_loads(b.ptr, 0, &je);
    assert_non_null(j);
    json_t *nodes = json_object_get(j, "nodes"), *edges = json_object_get(j, "edges");
    assert_int_equal(json_array_size(nodes), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(nodes, 0), "unique_id")),
                        "source.shop.shop.customers");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(nodes, 0), "resource_type")), "source");
    json_t *orders = json_array_get(nodes, 2);
    assert_string_equal(json_string_value(json_object_get(orders, "name")), "orders");
    assert_string_equal(json_string_value(json_object_get(orders, "materialized")), "view");
    assert_string_equal(json_string_value(json_object_get(orders, "original_file_path")),
                        "models/orders.sql");
    assert_int_equal(json_array_size(edges), 2);
    assert_string_equal(json_string_value(json_array_get(json_array_get(edges, 0), 0)),
                        "source.shop.shop.customers");
    assert_string_equal(json_string_value(json_array_get(json_array_get(edges, 0), 1)),
                        "model.shop.orders");
    assert_string_equal(json_string_value(json_array_get(json_array_get(edges, 1), 0)),
                        "model.shop.stg_orders");
    json_decref(j);
    xf_buf_release(&b);
    release(f);
}

static void test_escape_json(void **state)
{
    const char *in = "{\"a\": \"</script><!-- & -->\", \"b\": \"\\u003c ok\"}";
    struct xf_buf b = XF_BUF_INIT;
    xf_docs_escape_json(&b, in, strlen(in));
    assert_string_equal(b.ptr, "{\"a\": \"\\u003c/script\\u003e\\u003c!-- \\u0026 --\\u003e\", "
                               "\"b\": \"\\u003c ok\"}");
    assert_null(strchr(b.ptr, '<'));
    /* the same JSON value as before */
    json_t *x = json_loads(in, 0, NULL), *y = json_loads(b.ptr, 0, NULL);
    assert_non_null(x);
    assert_non_null(y);
    assert_true(json_equal(x, y));
    json_decref(x);
    json_decref(y);
    xf_buf_release(&b);
}

static char *between(const char *html, const char *open, const char *close)
{
    const char *a = strstr(html, open);
    if (!a)
        return NULL;
    a += strlen(open);
    const char *z = strstr(a, close);
    return z ? strndup(a, (size_t)(z - a)) : NULL;
}

static void test_site(void **state)
{
    struct fixture *f = make();
#define ORDERS_SQL "select * from {{ ref('stg_orders') }} -- </script>"
    static const struct xf_source orders_sql = {"models/orders.sql", ORDERS_SQL,
                                                sizeof ORDERS_SQL - 1};
    f->nodes[ORDERS].src = &orders_sql;
    f->nodes[ORDERS].compiled_code = "select * from \"main\".\"stg_orders\" -- </script>";
    f->nodes[ORDERS].description = "</script><script>alert(1)</script>";
    f->nodes[ORDERS].package = "shop";
    f->nodes[STG].description = "caf\xc3\xa9 in latin-1: caf\xe9"; /* not all UTF-8 */
    f->nodes[TEST].attached = &f->nodes[ORDERS];
    f->nodes[TEST].column_name = "id";
    struct xf_test_decl decl = {.test_name = "not_null"};
    f->nodes[TEST].decl = &decl;
    struct xf_project p;
    memset(&p, 0, sizeof p);
    p.name = "shop";
    char dir[] = "/tmp/xf-docs-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/catalog.json", dir);
    const char *catalog = "{\"nodes\": {\"model.shop.orders\": {\"metadata\": {\"comment\": "
                          "\"<!-- </script>\"}}}, \"sources\": {}}";
    assert_int_equal(xf_write_file(path, catalog, strlen(catalog)), 0);
    struct xf_buf err = XF_BUF_INIT, html = XF_BUF_INIT;
    struct xf_invocation inv = {.invocation_id = "abc", .generated_at = "2026-01-01T00:00:00Z"};
    assert_int_equal(xf_write_docs_site(dir, &p, &f->g, &inv, &err), 0);
    snprintf(path, sizeof path, "%s/index.html", dir);
    assert_int_equal(xf_read_file(&html, path), 0);
    assert_memory_equal(html.ptr, "<!DOCTYPE html>", 15);
    /* five script elements end: manifest, tests, catalog, code, app; the data ends none */
    size_t ends = 0;
    for (const char *q = html.ptr; (q = strstr(q, "</script>")); q++)
        ends++;
    assert_int_equal(ends, 5);
    assert_null(strstr(html.ptr, "<script src"));
    assert_null(strstr(html.ptr, "<link"));
    assert_null(strstr(html.ptr, "data-encoding=\"gzip")); /* small: plain JSON */

    char *m =
        between(html.ptr, "<script type=\"application/json\" id=\"xf-manifest\">", "</script>");
    char *c =
        between(html.ptr, "<script type=\"application/json\" id=\"xf-catalog\">", "</script>");
    char *k = between(html.ptr, "<script type=\"application/json\" id=\"xf-code\">", "</script>");
    char *tb = between(html.ptr, "<script type=\"application/json\" id=\"xf-tests\">", "</script>");
    assert_non_null(tb);
    json_t *tj = json_loads(tb, 0, NULL);
    assert_non_null(tj);
    assert_non_null(m);
    assert_non_null(c);
    assert_non_null(k);
    json_t *mj = json_loads(m, 0, NULL), *cj = json_loads(c, 0, NULL), *kj = json_loads(k, 0, NULL);
    assert_non_null(mj);
    assert_non_null(cj);
    assert_non_null(kj);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(mj, "metadata"), "project_name")),
        "shop");
    json_t *nodes = json_object_get(mj, "nodes"), *sources = json_object_get(mj, "sources");
    assert_int_equal(json_object_size(nodes), 4); /* the test is in its own block */
    assert_int_equal(json_object_size(tj), 1);
    assert_int_equal(json_object_size(sources), 1);
    json_t *orders = json_object_get(nodes, "model.shop.orders");
    assert_string_equal(json_string_value(json_object_get(orders, "description")),
                        "</script><script>alert(1)</script>");
    /* defaults left out: the key says unique_id and resource_type, package is the project's */
    assert_null(json_object_get(orders, "unique_id"));
    assert_null(json_object_get(orders, "resource_type"));
    assert_null(json_object_get(orders, "package_name"));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(orders, "config"), "materialized")),
        "view");
    json_t *deps = json_object_get(json_object_get(orders, "depends_on"), "nodes");
    assert_int_equal(json_array_size(deps), 2);
    assert_string_equal(json_string_value(json_array_get(deps, 0)), "model.shop.stg_orders");
    assert_string_equal(json_string_value(json_array_get(deps, 1)), "source.shop.shop.customers");
    /* bytes that are not UTF-8 are replaced, the rest kept: the block stays valid JSON */
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(nodes, "model.shop.stg_orders"), "description")),
                        "caf\xc3\xa9 in latin-1: caf\xef\xbf\xbd");
    json_t *test = json_object_get(tj, "test.shop.not_null_orders_id");
    assert_string_equal(json_string_value(json_object_get(test, "attached_node")),
                        "model.shop.orders");
    assert_string_equal(json_string_value(json_object_get(test, "column_name")), "id");
    assert_null(json_object_get(test, "depends_on")); /* only its attached node */
    assert_null(json_object_get(test, "config"));     /* severity error: the default */
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(test, "test_metadata"), "name")),
        "not_null");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(sources, "source.shop.shop.customers"), "source_name")),
                        "shop");
    /* the catalog as written, and the code of every node that has some */
    json_t *cat = json_loads(catalog, 0, NULL);
    assert_true(json_equal(cat, cj));
    json_decref(cat);
    json_t *oc = json_object_get(kj, "model.shop.orders");
    assert_string_equal(json_string_value(json_array_get(oc, 0)), orders_sql.text);
    assert_string_equal(json_string_value(json_array_get(oc, 1)), f->nodes[ORDERS].compiled_code);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(kj, "test.shop.not_null_orders_id"), 0)),
        "{{ test_not_null(**_dbt_generic_test_kwargs) }}");
    assert_null(json_object_get(kj, "seed.shop.raw_orders"));
    json_decref(mj);
    json_decref(cj);
    json_decref(kj);
    json_decref(tj);
    free(tb);
    free(m);
    free(c);
    free(k);

    /* no catalog yet: null */
    snprintf(path, sizeof path, "%s/catalog.json", dir);
    unlink(path);
    assert_int_equal(xf_write_docs_site(dir, &p, &f->g, &inv, &err), 0);
    snprintf(path, sizeof path, "%s/index.html", dir);
    xf_buf_reset(&html);
    assert_int_equal(xf_read_file(&html, path), 0);
    c = between(html.ptr, "id=\"xf-catalog\">", "</script>");
    assert_string_equal(c, "null");
    free(c);
    unlink(path);
    rmdir(dir);

    /* a folder that cannot be written: the error names the file */
    assert_true(xf_write_docs_site("/proc/xf-no-such-dir", &p, &f->g, &inv, &err) < 0);
    assert_non_null(strstr(err.ptr, "/proc/xf-no-such-dir/index.html"));
    xf_buf_release(&err);
    xf_buf_release(&html);
    release(f);
}

static void test_gzip_block(void **state)
{
    struct xf_buf json = XF_BUF_INIT, html = XF_BUF_INIT;
    xf_buf_adds(&json, "{\"a\":[");
    for (int i = 0; i < 5000; i++)
        xf_buf_addf(&json, "%s\"</script> %d\"", i ? "," : "", i);
    xf_buf_adds(&json, "]}");
    assert_int_equal(xf_docs_write_block(&html, "x", json.ptr, json.len, 100), 0);
    const char *open = "<script type=\"application/json\" id=\"x\" data-encoding=\"gzip+base64\">";
    assert_memory_equal(html.ptr, open, strlen(open));
    char *b64 = between(html.ptr, open, "</script>");
    assert_non_null(b64);
    assert_true(strlen(b64) < json.len / 4);
    size_t n = strlen(b64);
    unsigned char *gz = malloc(n);
    int glen = EVP_DecodeBlock(gz, (unsigned char *)b64, (int)n);
    assert_true(glen > 0);
    while (glen > 0 && b64[n - 1] == '=') { /* DecodeBlock counts padding as zero bytes */
        glen--;
        n--;
    }
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
    char *plain = malloc(json.len + 1);
    zs.next_in = gz;
    zs.avail_in = (uInt)glen;
    zs.next_out = (Bytef *)plain;
    zs.avail_out = (uInt)json.len + 1;
    assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
    assert_int_equal(zs.total_out, json.len);
    assert_memory_equal(plain, json.ptr, json.len);
    inflateEnd(&zs);
    free(plain);
    free(gz);
    free(b64);

    /* at the threshold: plain */
    xf_buf_reset(&html);
    assert_int_equal(xf_docs_write_block(&html, "y", json.ptr, json.len, json.len), 0);
    assert_null(strstr(html.ptr, "data-encoding"));
    assert_null(strstr(html.ptr, "</script> "));
    xf_buf_release(&json);
    xf_buf_release(&html);
}

static void test_catalog_query(void **state)
{
    struct xf_buf b = XF_BUF_INIT;
    xf_catalog_query(&b, "select * from t where s = %s and x like 'a\\_%' escape '\\'", "o'neil");
    assert_string_equal(b.ptr,
                        "select * from t where s = 'o''neil' and x like 'a\\_%' escape '\\'");
    xf_buf_release(&b);
}

/* ---- catalog.json from SQLite ---- */

struct catfx {
    char dir[64];
    struct xf_arena a;
    struct xf_project p;
    struct xf_node nodes[6];
    struct xf_node *nodeptrs[5], *srcptrs[1];
    const struct xf_adapter_ops *ops;
    struct xf_conn *conn;
    struct xf_buf err;
};

static void cat_node(struct catfx *f, int i, enum xf_resource t, const char *name,
                     const char *schema, const char *mat)
{
    struct xf_node *n = &f->nodes[i];
    memset(n, 0, sizeof *n);
    n->type = t;
    n->name = n->alias = name;
    n->schema = schema;
    n->unique_id = xf_arena_printf(&f->a, "%s.shop.%s", t == XF_RES_SEED ? "seed" : "model", name);
    n->config = xf_v_dict(&f->a, 2);
    if (mat)
        xf_dict_set(&f->a, n->config.u.d, XF_STR("materialized"), xf_v_strc(mat));
}

static int cat_setup(void **state)
{
    struct catfx *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/xf-catalog-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    xf_arena_init(&f->a);
    f->p.target = (struct xf_target){.name = "dev",
                                     .type = "sqlite",
                                     .schema = "main",
                                     .database = xf_path_join(&f->a, f->dir, "shop.db"),
                                     .threads = 1};
    cat_node(f, 0, XF_RES_MODEL, "orders", "analytics", "table");
    cat_node(f, 1, XF_RES_MODEL, "order_view", "analytics", NULL);
    cat_node(f, 2, XF_RES_MODEL, "not_built", "analytics", "table");
    cat_node(f, 3, XF_RES_MODEL, "inlined", "analytics", "ephemeral");
    cat_node(f, 4, XF_RES_SEED, "raw_orders", "main", NULL);
    struct xf_node *src = &f->nodes[5];
    src->type = XF_RES_SOURCE;
    src->name = "customers";
    src->source_name = "shop";
    src->schema = "main";
    src->identifier = "raw_customers";
    src->unique_id = "source.shop.shop.customers";
    for (int i = 0; i < 5; i++)
        f->nodeptrs[i] = &f->nodes[i];
    f->srcptrs[0] = src;
    f->p.nodes.v = f->nodeptrs;
    f->p.nodes.n = 5;
    f->p.sources.v = f->srcptrs;
    f->p.sources.n = 1;
    f->ops = xf_adapter_find("sqlite");
    if (!f->ops || f->ops->connect(&f->conn, &f->p.target, f->dir, &f->err) < 0 ||
        f->ops->ensure_schema(f->conn, "analytics", &f->err) < 0 ||
        f->ops->exec(f->conn,
                     "CREATE TABLE \"analytics\".\"orders\" (id INTEGER, amount REAL, note);"
                     "INSERT INTO \"analytics\".\"orders\" VALUES (1, 2.5, NULL);"
                     "CREATE VIEW \"analytics\".\"order_view\" AS SELECT id, amount * 2 AS dbl "
                     "FROM \"analytics\".\"orders\";"
                     "CREATE TABLE \"main\".\"raw_orders\" (id INTEGER, status TEXT);"
                     "CREATE TABLE \"main\".\"RAW_CUSTOMERS\" (id INTEGER);"
                     "CREATE TABLE \"main\".\"unrelated\" (x);",
                     &f->err) < 0) {
        fprintf(stderr, "setup: %s\n", f->err.ptr);
        return -1;
    }
    *state = f;
    return 0;
}

static int cat_teardown(void **state)
{
    struct catfx *f = *state;
    if (f->conn)
        f->ops->disconnect(f->conn);
    xf_remove_tree(f->dir);
    xf_buf_release(&f->err);
    xf_arena_release(&f->a);
    free(f);
    return 0;
}

static json_t *load_catalog(struct catfx *f)
{
    char path[128];
    snprintf(path, sizeof path, "%s/target/catalog.json", f->dir);
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    assert_non_null(j);
    return j;
}

static void check_catalog(struct catfx *f, json_t *j)
{
    json_t *nodes = json_object_get(j, "nodes"), *sources = json_object_get(j, "sources");
    assert_int_equal(json_object_size(nodes), 3); /* not_built and the ephemeral model are not */
    json_t *orders = json_object_get(nodes, "model.shop.orders");
    assert_non_null(orders);
    json_t *m = json_object_get(orders, "metadata");
    assert_string_equal(json_string_value(json_object_get(m, "type")), "BASE TABLE");
    assert_string_equal(json_string_value(json_object_get(m, "schema")), "analytics");
    assert_string_equal(json_string_value(json_object_get(m, "name")), "orders");
    assert_true(json_is_null(json_object_get(m, "comment")));
    json_t *cols = json_object_get(orders, "columns");
    assert_int_equal(json_object_size(cols), 3);
    json_t *amount = json_object_get(cols, "amount");
    assert_string_equal(json_string_value(json_object_get(amount, "type")), "REAL");
    assert_int_equal(json_integer_value(json_object_get(amount, "index")), 2);
    assert_string_equal(json_string_value(json_object_get(amount, "name")), "amount");
    /* no declared type and no non-null value: ANY */
    assert_string_equal(json_string_value(json_object_get(json_object_get(cols, "note"), "type")),
                        "ANY");
    assert_string_equal(json_string_value(json_object_get(orders, "unique_id")),
                        "model.shop.orders");
    assert_false(json_is_true(
        json_object_get(json_object_get(json_object_get(orders, "stats"), "has_stats"), "value")));
    json_t *view = json_object_get(nodes, "model.shop.order_view");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(view, "metadata"), "type")), "VIEW");
    assert_int_equal(json_object_size(json_object_get(view, "columns")), 2);
    /* a computed view column SQLite leaves untyped: the type of its first non-null value */
    json_t *vcols = json_object_get(view, "columns");
    assert_string_equal(json_string_value(json_object_get(json_object_get(vcols, "dbl"), "type")),
                        "REAL");
    assert_string_equal(json_string_value(json_object_get(json_object_get(vcols, "id"), "type")),
                        "INTEGER");
    assert_non_null(json_object_get(nodes, "seed.shop.raw_orders"));
    /* identifiers match without regard to case, as the warehouse resolves them */
    json_t *src = json_object_get(sources, "source.shop.shop.customers");
    assert_non_null(src);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(src, "metadata"), "name")),
        "RAW_CUSTOMERS");
    assert_int_equal(json_object_size(sources), 1);
    assert_true(json_is_null(json_object_get(j, "errors")));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "metadata"), "dbt_schema_version")),
        "https://schemas.getdbt.com/dbt/catalog/v1.json");
}

static void test_catalog_sqlite(void **state)
{
    struct catfx *f = *state;
    char *dir = xf_path_join(&f->a, f->dir, "target");
    struct xf_invocation inv = {.invocation_id = "id", .generated_at = "2026-01-01T00:00:00Z"};
    struct xf_catalog_stats st;
    assert_int_equal(xf_write_catalog(dir, &f->p, NULL, f->conn, &inv, &st, &f->err), 0);
    assert_int_equal(st.schemas, 2);
    assert_int_equal(st.nodes, 3);
    assert_int_equal(st.sources, 1);
    assert_int_equal(st.columns, 3 + 2 + 2 + 1);
    json_t *j = load_catalog(f);
    check_catalog(f, j);
    json_decref(j);

    /* an adapter without catalog_sql: relation by relation, same result */
    struct xf_adapter_ops slow = *f->ops;
    slow.catalog_sql = NULL;
    f->conn->ops = &slow;
    assert_int_equal(xf_write_catalog(dir, &f->p, NULL, f->conn, &inv, &st, &f->err), 0);
    f->conn->ops = f->ops;
    assert_int_equal(st.columns, 8);
    j = load_catalog(f);
    check_catalog(f, j);
    json_decref(j);
}

static int failing_query(struct xf_conn *c, const char *sql, struct xf_arena *a,
                         struct xf_result *out, struct xf_buf *err)
{
    xf_buf_adds(err, "no such table: pragma_table_list");
    return -1;
}

static void test_catalog_errors(void **state)
{
    struct catfx *f = *state;
    char *dir = xf_path_join(&f->a, f->dir, "target");
    struct xf_adapter_ops bad = *f->ops;
    bad.query = failing_query;
    f->conn->ops = &bad;
    struct xf_catalog_stats st;
    int e = xf_write_catalog(dir, &f->p, NULL, f->conn, NULL, &st, &f->err);
    f->conn->ops = f->ops;
    assert_int_equal(e, 1);
    assert_string_equal(f->err.ptr,
                        "could not read the catalog of schema 'analytics': no such table: "
                        "pragma_table_list\n"
                        "could not read the catalog of schema 'main': no such table: "
                        "pragma_table_list");
    json_t *j = load_catalog(f);
    json_t *errors = json_object_get(j, "errors");
    assert_int_equal(json_array_size(errors), 2);
    assert_string_equal(json_string_value(json_array_get(errors, 1)),
                        "could not read the catalog of schema 'main': no such table: "
                        "pragma_table_list");
    assert_int_equal(json_object_size(json_object_get(j, "nodes")), 0);
    json_decref(j);
}

/* ---- catalog.json from PostgreSQL (XF_TEST_PG_CONNINFO, else skipped) ---- */

static void test_catalog_postgres(void **state)
{
    const char *conninfo = getenv("XF_TEST_PG_CONNINFO");
    if (!conninfo || !*conninfo) {
        skip();
        return;
    }
    struct catfx *f = calloc(1, sizeof *f);
    *state = f;
    strcpy(f->dir, "/tmp/xf-catalog-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    xf_arena_init(&f->a);
    /* a quote in the schema name: the literal in catalog_sql must be escaped */
    char *schema = xf_arena_printf(&f->a, "xf_doc's_%d", (int)getpid());
    struct xf_value settings = xf_v_dict(&f->a, 1);
    xf_dict_set(&f->a, settings.u.d, XF_STR("conninfo"), xf_v_strc(conninfo));
    f->p.target = (struct xf_target){
        .name = "ci", .type = "postgres", .schema = schema, .threads = 1, .settings = settings};
    cat_node(f, 0, XF_RES_MODEL, "orders", schema, "table");
    cat_node(f, 1, XF_RES_MODEL, "order_view", schema, NULL);
    for (int i = 0; i < 2; i++)
        f->nodeptrs[i] = &f->nodes[i];
    f->p.nodes.v = f->nodeptrs;
    f->p.nodes.n = 2;
    f->ops = xf_adapter_find("postgres");
    assert_non_null(f->ops);
    assert_non_null(f->ops->catalog_sql);
    if (f->ops->connect(&f->conn, &f->p.target, f->dir, &f->err) < 0)
        fail_msg("connect: %s", f->err.ptr);
    struct xf_buf sql = XF_BUF_INIT, q = XF_BUF_INIT;
    f->ops->quote(&q, schema);
    xf_buf_addf(&sql,
                "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s;"
                "CREATE TABLE %s.orders (id integer, note text, amount numeric(10,2));"
                "ALTER TABLE %s.orders DROP COLUMN note;"
                "COMMENT ON TABLE %s.orders IS 'one row per order';"
                "COMMENT ON COLUMN %s.orders.amount IS 'in dollars';"
                "CREATE VIEW %s.order_view AS SELECT id, amount * 2 AS dbl FROM %s.orders;",
                q.ptr, q.ptr, q.ptr, q.ptr, q.ptr, q.ptr, q.ptr, q.ptr);
    if (f->ops->exec(f->conn, sql.ptr, &f->err) < 0)
        fail_msg("setup: %s", f->err.ptr);
    char *dir = xf_path_join(&f->a, f->dir, "target");
    struct xf_catalog_stats st;
    int e = xf_write_catalog(dir, &f->p, NULL, f->conn, NULL, &st, &f->err);
    xf_buf_reset(&sql);
    xf_buf_addf(&sql, "DROP SCHEMA %s CASCADE", q.ptr);
    f->ops->exec(f->conn, sql.ptr, &f->err);
    assert_int_equal(e, 0);
    assert_int_equal(st.schemas, 1);
    assert_int_equal(st.nodes, 2);
    assert_int_equal(st.columns, 4);
    json_t *j = load_catalog(f), *nodes = json_object_get(j, "nodes");
    json_t *orders = json_object_get(nodes, "model.shop.orders");
    json_t *m = json_object_get(orders, "metadata");
    assert_string_equal(json_string_value(json_object_get(m, "type")), "BASE TABLE");
    assert_string_equal(json_string_value(json_object_get(m, "schema")), schema);
    assert_string_equal(json_string_value(json_object_get(m, "comment")), "one row per order");
    assert_true(json_is_string(json_object_get(m, "owner")));
    json_t *amount = json_object_get(json_object_get(orders, "columns"), "amount");
    assert_string_equal(json_string_value(json_object_get(amount, "type")), "numeric(10,2)");
    assert_string_equal(json_string_value(json_object_get(amount, "comment")), "in dollars");
    assert_int_equal(json_integer_value(json_object_get(amount, "index")), 3); /* attnum */
    json_t *id = json_object_get(json_object_get(orders, "columns"), "id");
    assert_string_equal(json_string_value(json_object_get(id, "type")), "integer");
    json_t *view = json_object_get(nodes, "model.shop.order_view");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(view, "metadata"), "type")), "VIEW");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(view, "columns"), "dbl"), "type")),
                        "numeric");
    json_decref(j);
    xf_buf_release(&sql);
    xf_buf_release(&q);
}

static int pg_teardown(void **state)
{
    return *state ? cat_teardown(state) : 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_names),
        cmocka_unit_test(test_text_tree),
        cmocka_unit_test(test_dot),
        cmocka_unit_test(test_mermaid),
        cmocka_unit_test(test_json_and_selection),
        cmocka_unit_test(test_escape_json),
        cmocka_unit_test(test_site),
        cmocka_unit_test(test_gzip_block),
        cmocka_unit_test(test_catalog_query),
        cmocka_unit_test_setup_teardown(test_catalog_sqlite, cat_setup, cat_teardown),
        cmocka_unit_test_setup_teardown(test_catalog_errors, cat_setup, cat_teardown),
        cmocka_unit_test_teardown(test_catalog_postgres, pg_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
