// SPDX-License-Identifier: MIT
/*
 * Unit tests for the project loader (parser/project.c, profile.c,
 * schema.c): small projects are written into a temporary folder and
 * loaded; nodes, configs, targets and the exact text of every diagnostic
 * are checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "parser/features.h"
#include "parser/project.h"
#include "util/hash.h"
#include "util/path.h"

struct fx {
    char dir[64];
    char root[128];
    struct xf_diags d;
    struct xf_buf b;
    struct xf_project *p;
    struct xf_load_opts o;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/xf_parser_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->root, sizeof f->root, "%s/p", f->dir);
    char home[128];
    snprintf(home, sizeof home, "%s/home", f->dir);
    setenv("HOME", home, 1);
    unsetenv("XFORM_PROFILES_DIR");
    unsetenv("DBT_PROFILES_DIR");
    xf_diags_init(&f->d);
    xf_buf_init(&f->b, 0);
    f->o.project_dir = f->root;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    xf_project_free(f->p);
    xf_diags_release(&f->d);
    xf_buf_release(&f->b);
    xf_remove_tree(f->dir);
    free(f);
    return 0;
}

/* Writes a file under the project folder (or the temp dir for "/..."). */
static void put(struct fx *f, const char *rel, const char *text)
{
    char path[512];
    if (rel[0] == '/')
        snprintf(path, sizeof path, "%s%s", f->dir, rel);
    else
        snprintf(path, sizeof path, "%s/%s", f->root, rel);
    assert_int_equal(xf_write_file(path, text, strlen(text)), 0);
}

static int load(struct fx *f)
{
    xf_project_free(f->p);
    f->p = NULL;
    xf_diags_release(&f->d);
    xf_diags_init(&f->d);
    return xf_project_load(&f->p, &f->o, &f->d);
}

static const char *diags(struct fx *f)
{
    xf_buf_reset(&f->b);
    for (const struct xf_diag *g = f->d.head; g; g = g->next)
        xf_diag_format(&f->b, g, false);
    return f->b.ptr;
}

static const char *repr(struct fx *f, const struct xf_value *v)
{
    static _Thread_local char out[2048];
    struct xf_buf b = XF_BUF_INIT;
    if (v)
        xf_value_repr(&b, v);
    else
        xf_buf_adds(&b, "<missing>");
    snprintf(out, sizeof out, "%s", b.ptr);
    xf_buf_release(&b);
    return out;
}

static struct xf_node *node(struct fx *f, const char *uid)
{
    struct xf_node *n = xf_project_find(f->p, uid);
    if (!n)
        fail_msg("no node %s", uid);
    return n;
}

/* One error, from a template render: its message, file and line. */
static void assert_first_diag(struct fx *f, const char *path, unsigned line, const char *msg)
{
    const struct xf_diag *g = f->d.head;
    assert_non_null(g);
    assert_null(g->next);
    assert_int_equal(g->sev, XF_SEV_ERROR);
    assert_string_equal(g->msg, msg);
    assert_non_null(g->loc.src);
    assert_string_equal(g->loc.src->path, path);
    unsigned l, c;
    xf_loc_linecol(g->loc.src, g->loc.off, &l, &c);
    assert_int_equal(l, line);
}

#define MINIMAL "name: shop\nversion: '1.0'\nconfig-version: 2\n"

/* ---- models and the project config tree ---- */

static void test_models(void **state)
{
    struct fx *f = *state;
    put(f, "xform_project.yml",
        MINIMAL "models:\n"
                "  +tags: base\n"
                "  shop:\n"
                "    +materialized: table\n"
                "    staging:\n"
                "      materialized: view\n"
                "      tags: [stg]\n"
                "      +meta: {owner: a}\n"
                "      stg_orders:\n"
                "        +enabled: false\n"
                "    marts:\n"
                "      +post-hook: \"select 1\"\n"
                "      +meta: {tier: 1}\n"
                "      core:\n"
                "        +tags: [core, base]\n"
                "        +meta: {owner: b}\n"
                "        schema: \"{{ env_var('XF_TEST_SCHEMA', 'marts') }}\"\n");
    const char *orders_sql = "select * from {{ ref('stg_orders') }}\n";
    put(f, "models/marts/core/orders.sql", orders_sql);
    put(f, "models/staging/stg_orders.sql", "select 1 as id\n");
    put(f, "models/staging/stg_customers.sql", "select 2 as id\n");
    put(f, "models/top.sql", "select 3\n");
    put(f, "models/notes.txt", "not a model\n");
    unsetenv("XF_TEST_SCHEMA");
    assert_int_equal(load(f), 0);
    assert_string_equal(diags(f), "");
    struct xf_project *p = f->p;
    assert_string_equal(p->name, "shop");
    assert_string_equal(xf_resource_name(XF_RES_ANALYSIS), "analysis");
    assert_string_equal(xf_resource_name(XF_RES_SOURCE), "source");
    assert_string_equal(p->version, "1.0");
    assert_int_equal(p->nodes.n, 4);
    assert_string_equal(p->nodes.v[0]->unique_id, "model.shop.orders");
    assert_string_equal(p->nodes.v[1]->unique_id, "model.shop.stg_customers");
    assert_string_equal(p->nodes.v[3]->unique_id, "model.shop.top");
    for (size_t i = 0; i < p->nodes.n; i++)
        assert_int_equal(p->nodes.v[i]->index, i);

    struct xf_node *o = node(f, "model.shop.orders");
    assert_int_equal(o->type, XF_RES_MODEL);
    assert_string_equal(o->name, "orders");
    assert_string_equal(o->package, "shop");
    assert_string_equal(o->path, "marts/core/orders.sql");
    assert_string_equal(o->original_file_path, "models/marts/core/orders.sql");
    assert_string_equal(repr(f, &o->fqn), "['shop', 'marts', 'core', 'orders']");
    assert_non_null(o->tmpl);
    assert_non_null(o->src);
    assert_string_equal(o->src->path, "models/marts/core/orders.sql");
    char sum[65];
    xf_sha256_hex(sum, orders_sql, strlen(orders_sql));
    assert_string_equal(o->checksum, sum);
    assert_string_equal(xf_node_config_str(o, "materialized", NULL), "table");
    assert_string_equal(xf_node_config_str(o, "schema", NULL), "marts");
    assert_string_equal(repr(f, xf_node_config(o, "tags")), "['base', 'core']");
    assert_string_equal(repr(f, &o->tags), "['base', 'core']");
    assert_string_equal(repr(f, xf_node_config(o, "meta")), "{'tier': 1, 'owner': 'b'}");
    assert_string_equal(repr(f, &o->meta), "{'tier': 1, 'owner': 'b'}");
    assert_string_equal(repr(f, xf_node_config(o, "post-hook")), "['select 1']");
    assert_string_equal(repr(f, xf_node_config(o, "+post_hook")), "['select 1']");
    assert_true(xf_node_config_bool(o, "enabled", false));

    struct xf_node *c = node(f, "model.shop.stg_customers");
    assert_string_equal(xf_node_config_str(c, "materialized", NULL), "view");
    assert_string_equal(repr(f, &c->tags), "['base', 'stg']");
    assert_string_equal(repr(f, &c->meta), "{'owner': 'a'}");
    assert_true(xf_node_config_bool(c, "enabled", false));
    assert_false(xf_node_config_bool(node(f, "model.shop.stg_orders"), "enabled", true));
    struct xf_node *t = node(f, "model.shop.top");
    assert_string_equal(xf_node_config_str(t, "materialized", NULL), "table");
    assert_string_equal(repr(f, &t->tags), "['base']");
    assert_null(xf_node_config(t, "schema"));
    assert_string_equal(xf_node_config_str(t, "nope", "dflt"), "dflt");

    /* in-file config() calls go through xf_node_config_set */
    xf_node_config_set(&p->arena, t, XF_STR("tags"), xf_v_strc("extra"));
    xf_node_config_set(&p->arena, t, XF_STR("materialized"), xf_v_strc("incremental"));
    xf_node_config_set(&p->arena, t, XF_STR("pre_hook"), xf_v_strc("select 0"));
    assert_string_equal(repr(f, &t->tags), "['base', 'extra']");
    assert_string_equal(xf_node_config_str(t, "materialized", NULL), "incremental");
    assert_string_equal(repr(f, xf_node_config(t, "pre-hook")), "['select 0']");

    /* every file read is kept, with a path relative to the project */
    bool seen = false;
    for (size_t i = 0; i < p->files.n; i++)
        seen |= !strcmp(p->files.v[i]->path, "models/staging/stg_orders.sql");
    assert_true(seen);
    assert_string_equal(p->project_file->path, "xform_project.yml");
    assert_null(xf_project_find(p, "model.shop.nope"));

    /* defaults of the project file and the embedded target */
    assert_string_equal(repr(f, &p->seed_paths), "['seeds']");
    assert_string_equal(repr(f, &p->docs_paths),
                        "['models', 'seeds', 'tests', 'macros', 'snapshots', 'analyses']");
    assert_string_equal(p->target_path, "target");
    assert_string_equal(repr(f, &p->clean_targets), "['target']");
    assert_true(p->target.embedded_default);
    assert_string_equal(p->target.type, "sqlite");
    assert_string_equal(p->target.schema, "main");
    char db[256];
    snprintf(db, sizeof db, "%s/shop.db", f->root);
    assert_string_equal(p->target.database, db);
    assert_int_equal(p->target.threads, 1);

    setenv("XF_TEST_SCHEMA", "from_env", 1);
    f->o.threads = 4;
    assert_int_equal(load(f), 0);
    assert_string_equal(xf_node_config_str(node(f, "model.shop.orders"), "schema", NULL),
                        "from_env");
    assert_int_equal(f->p->target.threads, 4);
    unsetenv("XF_TEST_SCHEMA");
}

static void test_project_file(void **state)
{
    struct fx *f = *state;
    assert_int_equal(load(f), -1);
    char want[512];
    snprintf(want, sizeof want,
             "error: no xform_project.yml or dbt_project.yml in '%s'\n"
             "  hint: run 'xform init' to create a project, or pass --project-dir\n",
             f->root);
    assert_string_equal(diags(f), want);

    /* dbt_project.yml is read when there is no xform_project.yml */
    put(f, "dbt_project.yml",
        "name: 'jaffle'\nprofile: jaffle\nmodel-path: [models]\nmodel-paths: [\"src\"]\n"
        "target-path: out\nclean-targets: [out, dbt_packages]\nrequire-dbt-version: '>=1.5.0'\n"
        "seed-paths: data\non-run-start: \"create schema x\"\non-run-end:\n  - \"select 1\"\n"
        "dispatch:\n  - macro_namespace: dbt_utils\n    search_order: [jaffle, dbt_utils]\n"
        "models:\n  jaffle:\n    materialised: table\n    stagin:\n      +tags: x\n");
    put(f, "src/a.sql", "select 1\n");
    assert_int_equal(load(f), 0);
    assert_string_equal(
        diags(f),
        "dbt_project.yml:3:1: warning: unknown key 'model-path' in dbt_project.yml (did you "
        "mean 'model-paths'?)\n"
        " 3 | model-path: [models]\n"
        "   | ^~~~~~~~~~\n"
        "dbt_project.yml:17:5: warning: unknown config 'materialised' in 'models.jaffle' (did "
        "you mean 'materialized'?)\n"
        " 17 |     materialised: table\n"
        "    |     ^~~~~~~~~~~~\n"
        "  hint: custom configs take a '+' prefix: '+materialised'\n"
        "dbt_project.yml:18:5: warning: the config path 'models.jaffle.stagin' matches no "
        "resource\n"
        " 18 |     stagin:\n"
        "    |     ^~~~~~\n"
        "  hint: config paths follow folders and file names under the resource paths\n");
    struct xf_project *p = f->p;
    assert_string_equal(p->project_file->path, "dbt_project.yml");
    assert_string_equal(p->profile, "jaffle");
    assert_string_equal(node(f, "model.jaffle.a")->original_file_path, "src/a.sql");
    assert_string_equal(p->target_path, "out");
    assert_string_equal(repr(f, &p->clean_targets), "['out', 'dbt_packages']");
    assert_string_equal(repr(f, &p->seed_paths), "['data']");
    assert_string_equal(repr(f, &p->on_run_start), "['create schema x']");
    assert_string_equal(repr(f, &p->on_run_end), "['select 1']");
    assert_string_equal(repr(f, &p->dispatch),
                        "[{'macro_namespace': 'dbt_utils', 'search_order': ['jaffle', "
                        "'dbt_utils']}]");
    assert_string_equal(repr(f, xf_dict_getc(p->config_trees.u.d, "models")),
                        "{'jaffle': {'materialised': 'table', 'stagin': {'+tags': 'x'}}}");
    assert_true(p->target.embedded_default); /* no profiles.yml anywhere */

    put(f, "xform_project.yml", "version: 1\n");
    assert_int_equal(load(f), -1);
    assert_string_equal(diags(f), "xform_project.yml:1:1: error: xform_project.yml has no 'name'\n"
                                  " 1 | version: 1\n"
                                  "   | ^\n"
                                  "  hint: add a line like: name: my_project\n");
    put(f, "xform_project.yml", "name: my-shop\n");
    assert_int_equal(load(f), -1);
    assert_string_equal(diags(f), "xform_project.yml:1:7: error: invalid project name 'my-shop'\n"
                                  " 1 | name: my-shop\n"
                                  "   |       ^~~~~~~\n"
                                  "  hint: use letters, digits and underscores, starting with a "
                                  "letter\n");
    put(f, "xform_project.yml", "name: shop\nmodel-paths: {a: 1}\n");
    assert_int_equal(load(f), -1);
    assert_string_equal(diags(f), "xform_project.yml:2:14: error: 'model-paths' must be a list "
                                  "of strings\n"
                                  " 2 | model-paths: {a: 1}\n"
                                  "   |              ^~~~~~\n");
    put(f, "xform_project.yml", "name: shop\nmodels: {x: 1\n");
    assert_int_equal(load(f), -1);
    assert_string_equal(diags(f), "xform_project.yml:3:1: error: invalid YAML: did not find "
                                  "expected ',' or '}' (while parsing a flow mapping at line 2)\n"
                                  " 3 | \n"
                                  "   | ^\n");
    put(f, "xform_project.yml", "name: shop\nmodels:\n  shpo:\n    +tags: a\n");
    assert_int_equal(load(f), 0);
    assert_string_equal(diags(f), "xform_project.yml:3:3: warning: 'models' configures project "
                                  "'shpo', which is not this project (did you mean 'shop'?)\n"
                                  " 3 |   shpo:\n"
                                  "   |   ^~~~\n"
                                  "  hint: under 'models:', nest folder configs inside 'shop:'\n");
}

static void test_duplicates(void **state)
{
    struct fx *f = *state;
    put(f, "xform_project.yml", MINIMAL);
    put(f, "models/a/orders.sql", "select 1\n");
    put(f, "models/b/orders.sql", "select 2\n");
    assert_int_equal(load(f), -1);
    assert_string_equal(diags(f), "models/b/orders.sql:1:1: error: duplicate model name "
                                  "'orders': 'models/a/orders.sql' and 'models/b/orders.sql'\n"
                                  " 1 | select 2\n"
                                  "   | ^\n"
                                  "  hint: ref() finds resources by name: rename one of them\n");
    /* a disabled duplicate is fine */
    put(f, "xform_project.yml", MINIMAL "models:\n  shop:\n    a:\n      +enabled: false\n");
    assert_int_equal(load(f), 0);
    assert_true(xf_node_config_bool(node(f, "model.shop.orders"), "enabled", false));
    /* a seed and a model of the same name */
    put(f, "xform_project.yml", MINIMAL);
    xf_remove_tree(f->root);
    put(f, "xform_project.yml", MINIMAL);
    put(f, "models/orders.sql", "select 1\n");
    put(f, "seeds/orders.csv", "id\n1\n");
    assert_int_equal(load(f), -1);
    assert_string_equal(diags(f), "seeds/orders.csv:1:1: error: seed 'orders' has the same name "
                                  "as model 'orders' (models/orders.sql)\n"
                                  " 1 | id\n"
                                  "   | ^\n"
                                  "  hint: ref() finds resources by name: rename one of them\n");
}

static void test_seeds(void **state)
{
    struct fx *f = *state;
    put(f, "xform_project.yml",
        MINIMAL "seeds:\n  shop:\n    +column_types: {id: bigint}\n    lookups:\n"
                "      +delimiter: ';'\n");
    put(f, "seeds/countries.csv", "id,name\n1,France\n2,\"Korea, South\"\n");
    put(f, "seeds/lookups/codes.csv", "code;label\nA;x,y\n");
    put(f, "seeds/semi.csv", "a|b\n1|2\n");
    put(f, "seeds/props.yml",
        "version: 2\nseeds:\n  - name: semi\n    config:\n      delimiter: '|'\n"
        "      column_types: {b: text}\n");
    assert_int_equal(load(f), 0);
    assert_string_equal(diags(f), "");
    struct xf_node *c = node(f, "seed.shop.countries");
    assert_int_equal(c->type, XF_RES_SEED);
    assert_string_equal(xf_node_config_str(c, "materialized", NULL), "seed");
    assert_string_equal(repr(f, xf_node_config(c, "column_types")), "{'id': 'bigint'}");
    assert_non_null(c->csv);
    assert_int_equal(c->csv->nrows, 2);
    assert_int_equal(c->csv->types[0], XF_COL_INTEGER);
    char full[256];
    snprintf(full, sizeof full, "%s/seeds/countries.csv", f->root);
    assert_string_equal(c->csv_path, full);
    assert_null(c->tmpl);
    struct xf_node *k = node(f, "seed.shop.codes");
    assert_string_equal(repr(f, &k->fqn), "['shop', 'lookups', 'codes']");
    assert_int_equal(k->csv->ncols, 2);
    struct xf_node *s = node(f, "seed.shop.semi");
    assert_int_equal(s->csv->ncols, 2);
    assert_string_equal(repr(f, xf_node_config(s, "column_types")),
                        "{'id': 'bigint', 'b': 'text'}");
    assert_string_equal(s->patch_path, "shop://seeds/props.yml");

    put(f, "seeds/bad.csv", "a,b\n1,2\n3\n");
    assert_int_equal(load(f), -1);
    assert_string_equal(diags(f), "seeds/bad.csv:3:1: error: row 2 has 1 field, the header has 2\n"
                                  " 3 | 3\n"
                                  "   | ^\n"
                                  "  hint: leave a field empty (nothing between two ',') for "
                                  "NULL\n");
}

static void test_blocks(void **state)
{
    struct fx *f = *state;
    put(f, "xform_project.yml",
        MINIMAL "snapshots:\n  shop:\n    +target_schema: snapshots\n"
                "tests:\n  +severity: warn\n");
    put(f, "macros/util.sql",
        "{% macro cents(x) %}{{ x }} / 100{% endmacro %}\n"
        "{% macro dollars(x) %}{{ x }}{% endmacro %}\n"
        "{% materialization table, default %}x{% endmaterialization %}\n");
    put(f, "macros/sub/more.sql", "{% macro more() %}1{% endmacro %}\n");
    put(f, "macros/props.yml",
        "version: 2\nmacros:\n  - name: cents\n    description: 'Cents to {{ doc(\"d\") }}'\n");
    put(f, "tests/generic/is_even.sql",
        "{% test is_even(model, column_name) %}select 1{% endtest %}\n");
    put(f, "tests/assert_positive.sql", "select * from {{ ref('orders') }} where x < 0\n");
    put(f, "snapshots/snap_file.sql",
        "{% snapshot orders_snapshot %}\n{{ config(unique_key='id') }}\nselect 1\n"
        "{% endsnapshot %}\n");
    put(f, "analyses/report.sql", "select 1\n");
    put(f, "models/orders.sql", "select 1\n");
    put(f, "models/docs.md", "{% docs d %}\nDollars **here**.\n{% enddocs %}\n");
    assert_int_equal(load(f), 0);
    assert_string_equal(diags(f), "");
    struct xf_project *p = f->p;
    assert_int_equal(p->macros.n, 5);
    assert_string_equal(p->macros.v[0]->name, "more"); /* macros/sub/ sorts first */
    assert_string_equal(p->macros.v[0]->unique_id, "macro.shop.more");
    const struct xf_macro_def *cents = NULL, *even = NULL, *mat = NULL;
    for (size_t i = 0; i < p->macros.n; i++) {
        const struct xf_macro_def *m = p->macros.v[i];
        if (!strcmp(m->name, "cents"))
            cents = m;
        if (!strcmp(m->name, "test_is_even"))
            even = m;
        if (!strcmp(m->name, "materialization_table_default"))
            mat = m;
    }
    assert_non_null(cents);
    assert_string_equal(cents->unique_id, "macro.shop.cents");
    assert_string_equal(cents->path, "util.sql");
    assert_string_equal(cents->original_file_path, "macros/util.sql");
    assert_string_equal(cents->description, "Cents to {{ doc(\"d\") }}");
    assert_non_null(cents->block);
    assert_non_null(even);
    assert_string_equal(even->unique_id, "macro.shop.test_is_even");
    assert_string_equal(even->original_file_path, "tests/generic/is_even.sql");
    assert_non_null(mat);

    assert_int_equal(p->docs.n, 1);
    assert_string_equal(p->docs.v[0]->unique_id, "doc.shop.d");
    assert_string_equal(p->docs.v[0]->original_file_path, "models/docs.md");
    assert_int_equal(p->docs.v[0]->text.len, strlen("\nDollars **here**.\n"));

    struct xf_node *s = node(f, "snapshot.shop.orders_snapshot");
    assert_int_equal(s->type, XF_RES_SNAPSHOT);
    assert_string_equal(repr(f, &s->fqn), "['shop', 'snap_file', 'orders_snapshot']");
    assert_string_equal(s->path, "snap_file.sql");
    assert_string_equal(xf_node_config_str(s, "materialized", NULL), "snapshot");
    assert_string_equal(xf_node_config_str(s, "target_schema", NULL), "snapshots");
    assert_non_null(s->tmpl);

    struct xf_node *t = node(f, "test.shop.assert_positive");
    assert_int_equal(t->type, XF_RES_TEST);
    assert_string_equal(xf_node_config_str(t, "materialized", NULL), "test");
    assert_string_equal(xf_node_config_str(t, "severity", NULL), "warn");
    assert_null(xf_project_find(p, "test.shop.is_even"));

    put(f, "models/broken.sql", "select {{ 1\n");
    assert_int_equal(load(f), -1);
    assert_non_null(f->d.head);
    assert_string_equal(f->d.head->loc.src->path, "models/broken.sql");
    {
        char b[256];
        snprintf(b, sizeof b, "%s/models/broken.sql", f->root);
        remove(b);
    }
    assert_int_equal(load(f), 0);

    struct xf_node *a = node(f, "analysis.shop.report");
    assert_int_equal(a->type, XF_RES_ANALYSIS);
    assert_string_equal(repr(f, &a->fqn), "['shop', 'analysis', 'report']");
    assert_string_equal(a->path, "analysis/report.sql");
    assert_string_equal(a->original_file_path, "analyses/report.sql");

    /* duplicates and a broken template */
    put(f, "macros/zz_again.sql", "\n{% macro cents(y) %}{% endmacro %}\n");
    put(f, "models/more.md", "{% docs d %}again{% enddocs %}\n");
    put(f, "snapshots/empty.sql", "select 1\n");
    assert_int_equal(load(f), -1);
    assert_string_equal(diags(f),
                        "macros/zz_again.sql:2:1: error: duplicate macro 'cents'\n"
                        " 2 | {% macro cents(y) %}{% endmacro %}\n"
                        "   | ^~~~~~~~~~~~~~~~~~~~\n"
                        "  hint: 'cents' is also defined at macros/util.sql:1:1\n"
                        "snapshots/empty.sql:1:1: warning: 'snapshots/empty.sql' has no "
                        "snapshot block\n"
                        " 1 | select 1\n"
                        "   | ^\n"
                        "  hint: wrap the query in {% snapshot name %} ... {% endsnapshot %}\n"
                        "models/more.md:1:1: error: duplicate docs block 'd'\n"
                        " 1 | {% docs d %}again{% enddocs %}\n"
                        "   | ^~~~~~~~~~~~\n"
                        "  hint: 'd' is also defined at models/docs.md:1:1\n");
}

static void test_schema(void **state)
{
    struct fx *f = *state;
    put(f, "xform_project.yml",
        MINIMAL "models:\n  shop:\n    +materialized: table\n"
                "sources:\n  shop:\n    +tags: src\n");
    put(f, "models/orders.sql", "select 1\n");
    put(f, "models/customers.sql", "select 1\n");
    put(f, "models/staging/schema.yml",
        "version: 2\n"
        "models:\n"
        "  - name: orders\n"
        "    description: 'Orders: {{ doc(\"orders\") }}'\n"
        "    meta: {owner: ann}\n"
        "    tags: [finance]\n"
        "    config:\n"
        "      materialized: view\n"
        "      tags: mart\n"
        "    columns:\n"
        "      - name: id\n"
        "        description: key\n"
        "        data_type: integer\n"
        "        quote: true\n"
        "        meta: {pii: false}\n"
        "        tags: [k]\n"
        "        tests:\n"
        "          - unique\n"
        "          - not_null:\n"
        "              config: {severity: warn}\n"
        "      - name: status\n"
        "        data_tests:\n"
        "          - accepted_values:\n"
        "              values: [placed, shipped]\n"
        "              severity: warn\n"
        "              where: \"x > 1\"\n"
        "              name: status_ok\n"
        "          - dbt_utils.expression_is_true:\n"
        "              arguments:\n"
        "                expression: \"> 0\"\n"
        "              config:\n"
        "                error_if: \">10\"\n"
        "    tests:\n"
        "      - relationships:\n"
        "          to: ref('customers')\n"
        "          field: id\n"
        "          column_name: customer_id\n"
        "sources:\n"
        "  - name: raw\n"
        "    description: raw data\n"
        "    database: warehouse\n"
        "    loader: fivetran\n"
        "    loaded_at_field: _loaded\n"
        "    freshness: {warn_after: {count: 12, period: hour}}\n"
        "    meta: {team: data}\n"
        "    tags: [raw]\n"
        "    tables:\n"
        "      - name: orders\n"
        "        identifier: raw_orders\n"
        "        description: the orders\n"
        "        columns:\n"
        "          - name: id\n"
        "            tests: [unique]\n"
        "      - name: payments\n"
        "        loaded_at_field: paid_at\n"
        "        freshness: null\n"
        "        tests:\n"
        "          - dbt_utils.at_least_one\n"
        "  - name: app\n"
        "    schema: public\n"
        "    tables:\n"
        "      - name: users\n");
    assert_int_equal(load(f), 0);
    assert_string_equal(diags(f), "");
    struct xf_node *o = node(f, "model.shop.orders");
    assert_string_equal(o->description, "Orders: {{ doc(\"orders\") }}");
    assert_int_equal(
        o->description_loc.off,
        (size_t)(strstr(o->description_loc.src->text, "'Orders") - o->description_loc.src->text));
    assert_string_equal(o->patch_path, "shop://models/staging/schema.yml");
    assert_string_equal(o->props_loc.src->path, "models/staging/schema.yml");
    assert_string_equal(xf_node_config_str(o, "materialized", NULL), "view");
    assert_string_equal(repr(f, &o->tags), "['finance', 'mart']");
    assert_string_equal(repr(f, &o->meta), "{'owner': 'ann'}");
    assert_int_equal(o->columns.n, 2);
    const struct xf_column *id = &o->columns.v[0];
    assert_string_equal(id->name, "id");
    assert_string_equal(id->description, "key");
    assert_string_equal(id->data_type, "integer");
    assert_true(id->quote);
    assert_string_equal(repr(f, &id->meta), "{'pii': False}");
    assert_string_equal(repr(f, &id->tags), "['k']");
    assert_null(o->columns.v[1].data_type);
    assert_string_equal(o->columns.v[1].description, "");

    assert_int_equal(o->tests.n, 5);
    const struct xf_test_decl *t = o->tests.v;
    assert_string_equal(t[0].test_name, "unique");
    assert_string_equal(t[0].column, "id");
    assert_string_equal(repr(f, &t[0].kwargs), "{}");
    assert_string_equal(t[1].test_name, "not_null");
    assert_string_equal(repr(f, &t[1].config), "{'severity': 'warn'}");
    assert_string_equal(t[2].test_name, "accepted_values");
    assert_string_equal(t[2].column, "status");
    assert_string_equal(repr(f, &t[2].kwargs),
                        "{'values': ['placed', 'shipped'], 'name': 'status_ok'}");
    assert_string_equal(repr(f, &t[2].config), "{'severity': 'warn', 'where': 'x > 1'}");
    assert_string_equal(t[2].custom_name, "status_ok");
    assert_string_equal(t[3].test_name, "dbt_utils.expression_is_true");
    assert_string_equal(repr(f, &t[3].kwargs), "{'expression': '> 0'}");
    assert_string_equal(repr(f, &t[3].config), "{'error_if': '>10'}");
    assert_string_equal(t[4].test_name, "relationships");
    assert_null(t[4].column);
    assert_string_equal(repr(f, &t[4].kwargs),
                        "{'to': \"ref('customers')\", 'field': 'id', 'column_name': "
                        "'customer_id'}");
    assert_int_equal(t[4].loc.off,
                     (size_t)(strstr(t[4].loc.src->text, "relationships") - t[4].loc.src->text));

    struct xf_project *p = f->p;
    assert_int_equal(p->sources.n, 3);
    struct xf_node *s = node(f, "source.shop.raw.orders");
    assert_int_equal(s->type, XF_RES_SOURCE);
    assert_string_equal(s->source_name, "raw");
    assert_string_equal(s->name, "orders");
    assert_string_equal(s->identifier, "raw_orders");
    assert_string_equal(s->schema, "raw");
    assert_string_equal(s->database, "warehouse");
    assert_string_equal(s->description, "the orders");
    assert_string_equal(s->source_description, "raw data");
    assert_string_equal(s->loaded_at_field, "_loaded");
    assert_string_equal(repr(f, &s->freshness), "{'warn_after': {'count': 12, 'period': 'hour'}}");
    assert_string_equal(repr(f, &s->fqn), "['shop', 'staging', 'raw', 'orders']");
    assert_string_equal(s->original_file_path, "models/staging/schema.yml");
    assert_string_equal(s->path, "staging/schema.yml");
    assert_string_equal(repr(f, &s->tags), "['src', 'raw']");
    assert_string_equal(repr(f, &s->meta), "{'team': 'data'}");
    assert_int_equal(s->columns.n, 1);
    assert_int_equal(s->tests.n, 1);
    assert_string_equal(s->tests.v[0].column, "id");
    struct xf_node *pay = node(f, "source.shop.raw.payments");
    assert_string_equal(pay->loaded_at_field, "paid_at");
    assert_int_equal(pay->freshness.t, XF_V_NONE);
    assert_string_equal(pay->tests.v[0].test_name, "dbt_utils.at_least_one");
    assert_string_equal(pay->identifier, "payments");
    struct xf_node *u = node(f, "source.shop.app.users");
    assert_string_equal(u->schema, "public");
    assert_null(u->database);
    assert_int_equal(u->freshness.t, XF_V_NONE);
}

static void test_schema_errors(void **state)
{
    struct fx *f = *state;
    put(f, "xform_project.yml", MINIMAL);
    put(f, "models/stg_orders.sql", "select 1\n");
    put(f, "models/a.yml",
        "version: 2\nmodels:\n  - name: stg_order\n    descripton: x\n  - name: stg_orders\n"
        "    columns:\n      - name: id\n        tests: [{bad: 1, worse: 2}]\n");
    assert_int_equal(load(f), -1);
    assert_string_equal(diags(f),
                        "models/a.yml:3:11: warning: 'models' describes unknown model "
                        "'stg_order', ignored (did you mean 'stg_orders'?)\n"
                        " 3 |   - name: stg_order\n"
                        "   |           ^~~~~~~~~\n"
                        "  hint: a model's name is its .sql file name without '.sql'\n"
                        "models/a.yml:8:17: error: a test must be a name or a mapping of the "
                        "test's name to its arguments\n"
                        " 8 |         tests: [{bad: 1, worse: 2}]\n"
                        "   |                 ^~~~~~~~~~~~~~~~~~\n"
                        "  hint: for example '- unique' or '- accepted_values: {values: [a, "
                        "b]}'\n");

    put(f, "models/a.yml", "version: 2\nmodels:\n  - name: stg_orders\n    descripton: x\n");
    put(f, "models/b.yml", "version: 2\nmodel:\n  - name: x\nmodels:\n  - name: stg_orders\n");
    assert_int_equal(load(f), -1);
    assert_string_equal(diags(f),
                        "models/a.yml:4:5: warning: unknown key 'descripton' in models (did you "
                        "mean 'description'?)\n"
                        " 4 |     descripton: x\n"
                        "   |     ^~~~~~~~~~\n"
                        "models/b.yml:2:1: warning: unknown key 'model' in models/b.yml (did you "
                        "mean 'models'?)\n"
                        " 2 | model:\n"
                        "   | ^~~~~\n"
                        "models/b.yml:5:11: error: model 'stg_orders' is described twice: at "
                        "models/a.yml:3:11 and here\n"
                        " 5 |   - name: stg_orders\n"
                        "   |           ^~~~~~~~~~\n"
                        "  hint: keep one entry per model\n");

    xf_remove_tree(f->root);
    put(f, "xform_project.yml", MINIMAL);
    put(f, "models/m.sql", "select 1\n");
    put(f, "seeds/s.csv", "a\n1\n");
    put(f, "models/c.yml", "version: 3\n");
    put(f, "models/d.yml",
        "models:\n  - name: s\n  - description: x\nseeds:\n  - name: m\nsources:\n"
        "  - name: raw\n    tables:\n      - name: t\n      - name: t\nmacros:\n  - name: nope\n"
        "  - name: x\n    tabels: []\n");
    assert_int_equal(load(f), -1);
    assert_string_equal(diags(f),
                        "models/c.yml:1:10: error: unsupported properties version '3'\n"
                        " 1 | version: 3\n"
                        "   |          ^\n"
                        "  hint: write 'version: 2'\n"
                        "models/d.yml:2:11: error: 's' is a seed, not a model\n"
                        " 2 |   - name: s\n"
                        "   |           ^\n"
                        "  hint: describe it under 'seeds:'\n"
                        "models/d.yml:3:5: error: an entry of 'models' needs a 'name'\n"
                        " 3 |   - description: x\n"
                        "   |     ^~~~~~~~~~~~~~\n"
                        "  hint: start the entry with '- name: <model name>'\n"
                        "models/d.yml:5:11: error: 'm' is a model, not a seed\n"
                        " 5 |   - name: m\n"
                        "   |           ^\n"
                        "  hint: describe it under 'models:'\n"
                        "models/d.yml:10:15: error: source table 'raw.t' is defined twice: at "
                        "models/d.yml:9:15 and here\n"
                        " 10 |       - name: t\n"
                        "    |               ^\n"
                        "  hint: keep one entry per table\n"
                        "models/d.yml:12:11: error: 'macros' describes unknown macro 'nope'\n"
                        " 12 |   - name: nope\n"
                        "    |           ^~~~\n"
                        "models/d.yml:14:5: warning: unknown key 'tabels' in macros\n"
                        " 14 |     tabels: []\n"
                        "    |     ^~~~~~\n"
                        "models/d.yml:13:11: error: 'macros' describes unknown macro 'x'\n"
                        " 13 |   - name: x\n"
                        "    |           ^\n");
}

static void test_vars(void **state)
{
    struct fx *f = *state;
    put(f, "xform_project.yml",
        MINIMAL "vars:\n  start: '2020-01-01'\n  limit: 5\n  shop:\n    limit: 10\n"
                "    hook: \"{{ var('x') }}\"\n  other_pkg:\n    z: 1\n");
    f->o.vars = "{\"start\": \"2024-01-01\", \"n\": [1, 2]}";
    assert_int_equal(load(f), 0);
    assert_string_equal(repr(f, &f->p->vars),
                        "{'start': '2024-01-01', 'limit': 10, 'other_pkg': {'z': 1}, 'hook': "
                        "\"{{ var('x') }}\", 'n': [1, 2]}");
    f->o.vars = "start: 2025-01-01\n";
    assert_int_equal(load(f), 0);
    assert_string_equal(repr(f, xf_dict_getc(f->p->vars.u.d, "start")), "'2025-01-01'");
    f->o.vars = "[1, 2]";
    assert_int_equal(load(f), -1);
    assert_string_equal(diags(f), "--vars:1:1: error: --vars must be a YAML or JSON mapping\n"
                                  " 1 | [1, 2]\n"
                                  "   | ^~~~~~\n"
                                  "  hint: pass key: value pairs, e.g. --vars '{\"start_date\": "
                                  "\"2024-01-01\"}'\n");
    f->o.vars = "{a: 1";
    assert_int_equal(load(f), -1);
    assert_string_equal(diags(f), "--vars:1:6: error: invalid YAML: did not find expected ',' or "
                                  "'}' (while parsing a flow mapping at line 1)\n"
                                  " 1 | {a: 1\n"
                                  "   |      ^\n");
    /* var() in the project file sees --vars */
    f->o.vars = "{sch: from_cli}";
    put(f, "xform_project.yml",
        MINIMAL "models:\n  +schema: \"{{ var('sch') }}\"\n  +alias: \"{{ var('nope') }}\"\n");
    put(f, "models/m.sql", "select 1\n");
    assert_int_equal(load(f), -1);
    assert_first_diag(f, "xform_project.yml", 6,
                      "var 'nope' is not defined here (pass it with --vars '{nope: value}' or "
                      "give a default: var('nope', 'value'))");
    /* hooks, on-run-* and vars are kept raw: they are rendered when they run */
    put(f, "xform_project.yml",
        MINIMAL "models:\n  +schema: \"{{ var('sch') }}\"\n"
                "  +pre-hook: \"{{ env_var('XF_NOT_SET') }}\"\n"
                "on-run-start: \"{{ env_var('XF_NOT_SET') }}\"\n"
                "vars:\n  v: \"{{ env_var('XF_NOT_SET') }}\"\n");
    unsetenv("XF_NOT_SET");
    assert_int_equal(load(f), 0);
    struct xf_node *m = node(f, "model.shop.m");
    assert_string_equal(xf_node_config_str(m, "schema", NULL), "from_cli");
    assert_string_equal(repr(f, xf_node_config(m, "pre-hook")),
                        "[\"{{ env_var('XF_NOT_SET') }}\"]");
    assert_string_equal(repr(f, &f->p->on_run_start), "[\"{{ env_var('XF_NOT_SET') }}\"]");
    assert_string_equal(repr(f, xf_dict_getc(f->p->vars.u.d, "v")),
                        "\"{{ env_var('XF_NOT_SET') }}\"");
}

static void test_profiles(void **state)
{
    struct fx *f = *state;
    put(f, "xform_project.yml", MINIMAL "profile: shop\n");
    /* no profiles.yml anywhere: the embedded default */
    assert_int_equal(load(f), 0);
    assert_true(f->p->target.embedded_default);
    assert_null(f->p->target.profile_name);

    put(f, "profiles.yml",
        "config: {send_anonymous_usage_stats: false}\n"
        "shop:\n"
        "  target: dev\n"
        "  outputs:\n"
        "    dev:\n"
        "      type: sqlite\n"
        "      path: \"{{ env_var('XF_TEST_DB', 'dev.db') }}\"\n"
        "      threads: 3\n"
        "    prod:\n"
        "      type: postgres\n"
        "      host: \"{{ env_var('XF_TEST_HOST') }}\"\n"
        "      port: 5432\n"
        "      user: me\n"
        "      dbname: analytics\n"
        "      schema: marts\n"
        "    pg2:\n"
        "      type: postgres\n"
        "      database: other\n"
        "    bad:\n"
        "      type: sqlit\n"
        "    none:\n"
        "      path: x.db\n");
    unsetenv("XF_TEST_DB");
    assert_int_equal(load(f), 0);
    struct xf_target *t = &f->p->target;
    assert_false(t->embedded_default);
    assert_string_equal(t->profile_name, "shop");
    assert_string_equal(t->name, "dev");
    assert_string_equal(t->type, "sqlite");
    assert_string_equal(t->schema, "main");
    char db[256];
    snprintf(db, sizeof db, "%s/dev.db", f->root);
    assert_string_equal(t->database, db);
    assert_int_equal(t->threads, 3);
    assert_string_equal(repr(f, &t->settings),
                        "{'type': 'sqlite', 'path': 'dev.db', 'threads': 3}");

    setenv("XF_TEST_HOST", "db.example", 1);
    f->o.target = "prod";
    f->o.threads = 8;
    assert_int_equal(load(f), 0);
    t = &f->p->target;
    assert_string_equal(t->name, "prod");
    assert_string_equal(t->type, "postgres");
    assert_string_equal(t->schema, "marts");
    assert_string_equal(t->database, "analytics");
    assert_int_equal(t->threads, 8);
    assert_string_equal(repr(f, xf_dict_getc(t->settings.u.d, "host")), "'db.example'");
    assert_string_equal(repr(f, xf_dict_getc(t->settings.u.d, "port")), "5432");
    f->o.threads = 0;
    f->o.target = "pg2";
    assert_int_equal(load(f), 0);
    assert_string_equal(f->p->target.database, "other");
    assert_string_equal(f->p->target.schema, "public");

    unsetenv("XF_TEST_HOST");
    f->o.target = "prod";
    assert_int_equal(load(f), -1);
    /* the engine places the caret; the message and the line are ours */
    assert_first_diag(f, "profiles.yml", 11,
                      "environment variable 'XF_TEST_HOST' is not set and env_var() has no "
                      "default (set it, or pass a default: env_var('XF_TEST_HOST', 'value'))");
    f->o.target = "bad";
    assert_int_equal(load(f), -1);
    assert_string_equal(diags(f), "profiles.yml:20:13: error: unknown adapter type 'sqlit' (did "
                                  "you mean 'sqlite'?)\n"
                                  " 20 |       type: sqlit\n"
                                  "    |             ^~~~~\n"
                                  "  hint: xform supports the adapter types 'sqlite' and "
                                  "'postgres'\n");
    f->o.target = "none";
    assert_int_equal(load(f), -1);
    assert_string_equal(diags(f), "profiles.yml:22:7: error: target 'none' of profile 'shop' has "
                                  "no 'type'\n"
                                  " 22 |       path: x.db\n"
                                  "    |       ^~~~~~~~~~\n"
                                  "  hint: add 'type: sqlite' or 'type: postgres'\n");
    f->o.target = "prd";
    assert_int_equal(load(f), -1);
    assert_string_equal(diags(f), "profiles.yml:5:5: error: target 'prd' is not defined in "
                                  "profile 'shop' (did you mean 'prod'?)\n"
                                  " 5 |     dev:\n"
                                  "   |     ^~~~\n"
                                  "  hint: targets of 'shop': 'dev', 'prod', 'pg2', 'bad', "
                                  "'none'\n");
    f->o.target = NULL;
    put(f, "profiles.yml", "shop:\n  target: qa\n  outputs:\n    dev: {type: sqlite}\n");
    assert_int_equal(load(f), -1);
    assert_string_equal(diags(f), "profiles.yml:2:11: error: target 'qa' is not defined in "
                                  "profile 'shop'\n"
                                  " 2 |   target: qa\n"
                                  "   |           ^~\n"
                                  "  hint: targets of 'shop': 'dev'\n");

    put(f, "xform_project.yml", MINIMAL "profile: shpo\n");
    assert_int_equal(load(f), -1);
    assert_string_equal(diags(f), "xform_project.yml:4:10: error: profile 'shpo' is not in "
                                  "profiles.yml (did you mean 'shop'?)\n"
                                  " 4 | profile: shpo\n"
                                  "   |          ^~~~\n"
                                  "  hint: profiles there: 'shop'\n");
    put(f, "xform_project.yml", MINIMAL "profile: shop\n");
    put(f, "profiles.yml", "shop:\n  outputs:\n    dev: {type: sqlite, threads: many}\n");
    assert_int_equal(load(f), -1);
    assert_string_equal(diags(f), "profiles.yml:3:34: error: 'threads' must be a whole number, "
                                  "not 'many'\n"
                                  " 3 |     dev: {type: sqlite, threads: many}\n"
                                  "   |                                  ^~~~\n");
    put(f, "profiles.yml", "shop:\n  target: dev\n");
    assert_int_equal(load(f), -1);
    assert_string_equal(diags(f), "profiles.yml:2:3: error: profile 'shop' has no outputs\n"
                                  " 2 |   target: dev\n"
                                  "   |   ^~~~~~~~~~~\n"
                                  "  hint: add 'outputs:' with at least one target, e.g. 'dev: "
                                  "{type: sqlite, path: dev.db}'\n");
    /* a single output needs no 'target:' */
    put(f, "profiles.yml", "shop:\n  outputs:\n    only: {type: sqlite, schema: s}\n");
    assert_int_equal(load(f), 0);
    assert_string_equal(f->p->target.name, "only");
    assert_string_equal(f->p->target.schema, "s");

    /* no profile key, and none named after the project: the embedded default */
    put(f, "xform_project.yml", "name: other\n");
    assert_int_equal(load(f), 0);
    assert_true(f->p->target.embedded_default);
}

static void test_profiles_lookup(void **state)
{
    struct fx *f = *state;
    put(f, "xform_project.yml", MINIMAL "profile: shop\n");
    const char *prof = "shop:\n  target: t\n  outputs:\n    t: {type: sqlite, path: %s}\n";
    char buf[256];
    snprintf(buf, sizeof buf, prof, "dbt.db");
    put(f, "/home/.dbt/profiles.yml", buf);
    assert_int_equal(load(f), 0);
    assert_true(strstr(f->p->target.database, "/dbt.db") != NULL);
    snprintf(buf, sizeof buf, prof, "xform.db");
    put(f, "/home/.xform/profiles.yml", buf);
    assert_int_equal(load(f), 0);
    assert_true(strstr(f->p->target.database, "/xform.db") != NULL);
    snprintf(buf, sizeof buf, prof, "proj.db");
    put(f, "profiles.yml", buf);
    assert_int_equal(load(f), 0);
    assert_true(strstr(f->p->target.database, "/proj.db") != NULL);
    snprintf(buf, sizeof buf, prof, "env.db");
    put(f, "/envdir/profiles.yml", buf);
    char dir[256];
    snprintf(dir, sizeof dir, "%s/envdir", f->dir);
    setenv("XFORM_PROFILES_DIR", dir, 1);
    assert_int_equal(load(f), 0);
    assert_true(strstr(f->p->target.database, "/env.db") != NULL);
    snprintf(buf, sizeof buf, prof, "/abs/given.db");
    put(f, "/given/profiles.yml", buf);
    snprintf(dir, sizeof dir, "%s/given", f->dir);
    f->o.profiles_dir = dir;
    assert_int_equal(load(f), 0);
    assert_string_equal(f->p->target.database, "/abs/given.db");
    unsetenv("XFORM_PROFILES_DIR");

    snprintf(dir, sizeof dir, "%s/nowhere", f->dir);
    f->o.profiles_dir = dir;
    assert_int_equal(load(f), -1);
    char want[512];
    snprintf(want, sizeof want,
             "error: no profiles.yml in '%s' (from --profiles-dir)\n"
             "  hint: create it there, or leave out --profiles-dir to use the embedded SQLite "
             "default\n",
             dir);
    assert_string_equal(diags(f), want);
}

/* With enough files to use worker threads, diagnostics keep file order. */
static void test_parallel_order(void **state)
{
    struct fx *f = *state;
    put(f, "xform_project.yml", MINIMAL);
    char path[64];
    for (int i = 0; i < 200; i++) {
        snprintf(path, sizeof path, "models/m%03d.sql", i);
        put(f, path, i % 50 == 7 ? "select {{ 1\n" : "select 1\n");
    }
    for (int i = 0; i < 100; i++) {
        snprintf(path, sizeof path, "models/p%03d.yml", i);
        put(f, path, i % 30 == 4 ? "models:\n  - name: nope\n" : "models: []\n");
    }
    assert_int_equal(load(f), -1);
    const char *want[] = {"models/m007.sql", "models/m057.sql", "models/m107.sql",
                          "models/m157.sql", "models/p004.yml", "models/p034.yml",
                          "models/p064.yml", "models/p094.yml"};
    size_t k = 0;
    for (const struct xf_diag *g = f->d.head; g; g = g->next, k++) {
        assert_true(k < 8);
        assert_string_equal(g->loc.src->path, want[k]);
    }
    assert_int_equal(k, 8);
    assert_int_equal(f->p->nodes.n, 196);
}

/*
 * 10,000 models and 1,000 properties files load well under 0.2 s on an
 * idle machine (optimised build); the bound here only guards against a
 * gross regression on a busy one. Under valgrind: a tenth, untimed.
 */
static void test_speed(void **state)
{
    struct fx *f = *state;
    int nmodels = RUNNING_ON_VALGRIND ? 1000 : 10000;
    put(f, "xform_project.yml",
        MINIMAL "models:\n  shop:\n    +materialized: table\n    d3:\n      +tags: x\n");
    char path[128], text[4096];
    for (int i = 0; i < nmodels; i++) {
        snprintf(path, sizeof path, "models/d%d/m%d.sql", i % 20, i);
        snprintf(text, sizeof text,
                 "{{ config(materialized='view') }}\nselect id, amount from {{ ref('m%d') }}\n"
                 "where id > %d\n",
                 i ? i - 1 : 0, i);
        put(f, path, text);
    }
    for (int i = 0; i < nmodels / 10; i++) {
        snprintf(path, sizeof path, "models/d%d/s%d.yml", i % 20, i);
        int n = snprintf(text, sizeof text, "version: 2\nmodels:\n");
        for (int j = 0; j < 10; j++)
            n += snprintf(text + n, sizeof text - (size_t)n,
                          "  - name: m%d\n    description: model %d\n    columns:\n"
                          "      - name: id\n        tests: [unique, not_null]\n",
                          i * 10 + j, j);
        put(f, path, text);
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(load(f), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    assert_int_equal(f->p->nodes.n, (size_t)nmodels);
    assert_int_equal(node(f, "model.shop.m999")->tests.n, 2);
    assert_string_equal(repr(f, &node(f, "model.shop.m3")->tags), "['x']");
    assert_string_equal(node(f, "model.shop.m999")->description, "model 9");
    print_message("%d models + %d yml loaded in %.1f ms\n", nmodels, nmodels / 10, ms);
    if (!RUNNING_ON_VALGRIND)
        assert_true(ms < 3000);
}

/* Finds `want` in the diagnostics of the last load, failing with them all. */
static void expect_diag(struct fx *f, const char *want)
{
    const char *got = diags(f);
    if (!strstr(got, want))
        fail_msg("missing\n  %s\nin\n%s", want, got);
}

/*
 * Walks the features table: each "not yet" entry, used in a tiny project
 * of its own, loads fine and gets the one warning, at the right place.
 * Flags are the command line's (tests/e2e/test_unsupported.py).
 */
static void test_features_not_yet_warn(void **state)
{
    struct fx *f = *state;
    size_t n, checked = 0;
    const struct xf_feature *t = xf_features(&n);
    char text[512], want[512];
    for (size_t i = 0; i < n; i++) {
        if (t[i].state != XF_FEAT_NOT_YET)
            continue;
        const char *nm = t[i].name, *kind = xf_feature_kind_name(t[i].kind);
        xf_remove_tree(f->root);
        put(f, "models/m.sql", "select 1 as id\n");
        switch (t[i].kind) {
        case XF_FEAT_PROJECT_KEY:
            snprintf(text, sizeof text, MINIMAL "%s: x\n", nm);
            put(f, "xform_project.yml", text);
            snprintf(want, sizeof want,
                     "xform_project.yml:4:1: warning: not supported by xform "
                     "yet: %s '%s'\n",
                     kind, nm);
            break;
        case XF_FEAT_CONFIG:
            snprintf(text, sizeof text, MINIMAL "models:\n  shop:\n    +%s: {x: true}\n", nm);
            put(f, "xform_project.yml", text);
            snprintf(text, sizeof text,
                     "version: 2\nmodels:\n  - name: m\n    config:\n"
                     "      %s: [a]\n",
                     nm);
            put(f, "models/p.yml", text);
            assert_int_equal(load(f), 0);
            snprintf(want, sizeof want,
                     "xform_project.yml:6:5: warning: not supported by xform "
                     "yet: %s '%s'\n",
                     kind, nm);
            expect_diag(f, want);
            snprintf(want, sizeof want,
                     "models/p.yml:5:7: warning: not supported by xform yet: "
                     "%s '%s'\n",
                     kind, nm);
            break;
        case XF_FEAT_YAML_TOP:
            put(f, "xform_project.yml", MINIMAL);
            snprintf(text, sizeof text, "version: 2\n%s: []\n", nm);
            put(f, "models/p.yml", text);
            snprintf(want, sizeof want,
                     "models/p.yml:2:1: warning: not supported by xform yet: "
                     "%s '%s'\n",
                     kind, nm);
            break;
        case XF_FEAT_YAML_NODE:
            put(f, "xform_project.yml", MINIMAL);
            snprintf(text, sizeof text, "version: 2\nmodels:\n  - name: m\n    %s: x\n", nm);
            put(f, "models/p.yml", text);
            snprintf(want, sizeof want,
                     "models/p.yml:4:5: warning: not supported by xform yet: "
                     "%s '%s'\n",
                     kind, nm);
            break;
        case XF_FEAT_FILE:
            put(f, "xform_project.yml", MINIMAL);
            put(f, nm, "x: 1\n");
            snprintf(want, sizeof want, "%s:1:1: warning: not supported by xform yet: %s '%s'\n",
                     nm, kind, nm);
            break;
        default: {
            /* a new flag needs its own e2e test there */
            const char *flags[] = {"state", "defer", "favor-state"};
            bool known = false;
            for (size_t k = 0; k < 3; k++)
                known |= !strcmp(flags[k], nm);
            if (!known)
                fail_msg("flag '--%s' has no test in tests/e2e/test_unsupported.py", nm);
            continue;
        }
        }
        assert_int_equal(load(f), 0);
        expect_diag(f, want);
        if (t[i].hint)
            expect_diag(f, t[i].hint);
        checked++;
    }
    /* every not-yet entry but the flags (packages and selectors work now;
     * snapshot_meta_column_names and dbt_valid_to_current too) */
    assert_true(checked >= 24);

    /* a config that asks for nothing is what xform does anyway: no warning */
    xf_remove_tree(f->root);
    put(f, "models/m.sql", "select 1 as id\n");
    put(f, "xform_project.yml",
        MINIMAL "models:\n  +contract: {enforced: false}\n"
                "  +grants: {select: []}\n  +persist_docs: {}\n");
    assert_int_equal(load(f), 0);
    assert_string_equal(diags(f), "");
    /* the table is the loaders' list of known keys: a typo gets "did you mean" */
    put(f, "xform_project.yml", MINIMAL "query-coment: x\nmodels:\n  shop:\n    materialised: x\n");
    assert_int_equal(load(f), 0);
    expect_diag(f, "xform_project.yml:4:1: warning: unknown key 'query-coment' in "
                   "xform_project.yml (did you mean 'query-comment'?)\n");
    expect_diag(f, "xform_project.yml:7:5: warning: unknown config 'materialised' in "
                   "'models.shop' (did you mean 'materialized'?)\n");
}

/* One rule for schema names, stated by the one message (profile path here). */
static void test_schema_name_rule(void **state)
{
    struct fx *f = *state;
    assert_true(xf_schema_name_ok("analytics_2024"));
    const char *bad[] = {"", ".", "..", "a/b", "a\\b", "a\"b", "a'b", "a`b", "a\nb"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(xf_schema_name_ok(bad[i]));
    put(f, "xform_project.yml", MINIMAL "profile: shop\n");
    put(f, "profiles.yml",
        "shop:\n  outputs:\n    dev:\n      type: postgres\n"
        "      schema: 'my\"schema'\n");
    assert_int_equal(load(f), -1);
    assert_string_equal(diags(f), "profiles.yml:5:15: error: invalid schema name 'my\"schema': a "
                                  "schema name is a plain name: no quotes, slashes, backslashes "
                                  "or control characters, and not '.' or '..'\n"
                                  " 5 |       schema: 'my\"schema'\n"
                                  "   |               ^~~~~~~~~~~\n"
                                  "  hint: use letters, digits and underscores, e.g. 'schema: "
                                  "analytics'\n");
}

/* Under UBSan any undefined behaviour fails this suite, not just prints. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
    return "halt_on_error=1:print_stacktrace=1";
}

/* An empty folder under a resource path lists nothing (no qsort of NULL). */
static void test_empty_folders(void **state)
{
    struct fx *f = *state;
    put(f, "xform_project.yml", MINIMAL);
    char path[256];
    snprintf(path, sizeof path, "%s/models/empty", f->root);
    assert_int_equal(xf_mkdirs(path), 0);
    snprintf(path, sizeof path, "%s/seeds", f->root);
    assert_int_equal(xf_mkdirs(path), 0);
    assert_int_equal(load(f), 0);
    assert_int_equal(f->p->nodes.n, 0);
    assert_string_equal(diags(f), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_models, setup, teardown),
        cmocka_unit_test_setup_teardown(test_project_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seeds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vars, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profiles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profiles_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parallel_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_speed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_features_not_yet_warn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_name_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_folders, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
