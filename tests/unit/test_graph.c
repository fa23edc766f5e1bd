// SPDX-License-Identifier: MIT
/*
 * Unit tests for graph/: ref()/source() resolution and its errors (exact
 * text, caret included), disabled nodes, cycles, topological order, every
 * selector form, indirect test selection, and speed on 20,000 nodes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "graph/graph.h"
#include "util/buf.h"

/* ---- a hand-built project ----------------------------------------------- */

struct fx {
    struct xf_project p;
    struct xf_diags d;
    struct xf_graph g;
};

static struct fx *fx_new(void)
{
    struct fx *f = xf_calloc(1, sizeof *f);
    xf_arena_init(&f->p.arena);
    xf_diags_init(&f->d);
    f->p.name = "shop";
    return f;
}

static void fx_free(struct fx *f)
{
    xf_diags_release(&f->d);
    xf_arena_release(&f->p.arena);
    free(f);
}

static struct xf_value str_list(struct xf_arena *a, const char *const *items, size_t n)
{
    struct xf_value l = xf_v_list(a, n);
    for (size_t i = 0; i < n; i++)
        xf_list_push(a, l.u.l, xf_v_strc(items[i]));
    return l;
}

static const char *res_dir(enum xf_resource t)
{
    switch (t) {
    case XF_RES_SEED:
        return "seeds";
    case XF_RES_SNAPSHOT:
        return "snapshots";
    case XF_RES_TEST:
        return "tests";
    case XF_RES_ANALYSIS:
        return "analyses";
    default:
        return "models";
    }
}

static const char *res_word(enum xf_resource t)
{
    static const char *const w[] = {"model", "seed", "snapshot", "test", "analysis", "source"};
    return w[t];
}

/*
 * A node with file `<dir>/<rel>` holding `text` (NULL: no file). fqn is the
 * project, the folders of rel and the name.
 */
static struct xf_node *add(struct fx *f, enum xf_resource t, const char *rel, const char *text)
{
    struct xf_arena *a = &f->p.arena;
    struct xf_node *n = XF_ANEW(a, struct xf_node);
    n->type = t;
    n->package = f->p.name;
    n->path = xf_arena_strdup(a, rel);
    n->original_file_path = xf_arena_printf(a, "%s/%s", res_dir(t), rel);
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    const char *dot = strrchr(base, '.');
    n->name = xf_arena_strndup(a, base, dot ? (size_t)(dot - base) : strlen(base));
    n->unique_id = xf_arena_printf(a, "%s.%s.%s", res_word(t), f->p.name, n->name);
    struct xf_value fqn = xf_v_list(a, 4);
    xf_list_push(a, fqn.u.l, xf_v_strc(f->p.name));
    for (const char *s = rel, *sl; (sl = strchr(s, '/')); s = sl + 1)
        xf_list_push(
            a, fqn.u.l,
            xf_v_str(xf_str_n(xf_arena_strndup(a, s, (size_t)(sl - s)), (size_t)(sl - s))));
    xf_list_push(a, fqn.u.l, xf_v_strc(n->name));
    n->fqn = fqn;
    n->config = xf_v_dict(a, 4);
    n->tags = xf_v_list(a, 0);
    if (text) {
        struct xf_source *src = XF_ANEW(a, struct xf_source);
        src->path = n->original_file_path;
        src->text = xf_arena_strdup(a, text);
        src->len = strlen(text);
        n->src = src;
    }
    n->index = (uint32_t)f->p.nodes.n;
    xf_avec_push(a, &f->p.nodes, n);
    return n;
}

static struct xf_node *add_source(struct fx *f, const char *source, const char *table)
{
    struct xf_arena *a = &f->p.arena;
    struct xf_node *n = XF_ANEW(a, struct xf_node);
    n->type = XF_RES_SOURCE;
    n->package = f->p.name;
    n->name = table;
    n->source_name = source;
    n->path = "models/sources.yml";
    n->original_file_path = "models/sources.yml";
    n->unique_id = xf_arena_printf(a, "source.%s.%s.%s", f->p.name, source, table);
    const char *fqn[] = {f->p.name, source, table};
    n->fqn = str_list(a, fqn, 3);
    n->config = xf_v_dict(a, 2);
    n->tags = xf_v_list(a, 0);
    xf_avec_push(a, &f->p.sources, n);
    return n;
}

/* The location of `needle` in the node's file (whole file when absent). */
static struct xf_loc loc_of(const struct xf_node *n, const char *needle)
{
    if (!n->src)
        return XF_NOLOC;
    const char *at = strstr(n->src->text, needle);
    assert_non_null(at);
    return (struct xf_loc){n->src, (size_t)(at - n->src->text), strlen(needle)};
}

static void ref2(struct fx *f, struct xf_node *n, const char *pkg, const char *name)
{
    char call[256];
    if (pkg)
        snprintf(call, sizeof call, "ref('%s', '%s')", pkg, name);
    else
        snprintf(call, sizeof call, "ref('%s')", name);
    struct xf_dep d = {pkg, name, loc_of(n, call), NULL, NULL};
    xf_avec_push(&f->p.arena, &n->refs, d);
}

static void ref(struct fx *f, struct xf_node *n, const char *name)
{
    ref2(f, n, NULL, name);
}

static void src(struct fx *f, struct xf_node *n, const char *s, const char *t)
{
    char call[256];
    snprintf(call, sizeof call, "source('%s', '%s')", s, t);
    struct xf_dep d = {s, t, loc_of(n, call), NULL, NULL};
    xf_avec_push(&f->p.arena, &n->source_deps, d);
}

static void set_cfg(struct fx *f, struct xf_node *n, const char *key, struct xf_value v)
{
    xf_dict_set(&f->p.arena, n->config.u.d, xf_str_c(key), v);
}

static void tag(struct fx *f, struct xf_node *n, const char *t)
{
    xf_list_push(&f->p.arena, n->tags.u.l, xf_v_strc(t));
}

/* A generic test `<test>_<model>_<column>` on `on`, declared in models/schema.yml. */
static struct xf_node *generic(struct fx *f, const char *test, struct xf_node *on,
                               const char *column, const char *to)
{
    struct xf_arena *a = &f->p.arena;
    char name[256];
    snprintf(name, sizeof name, "%s_%s_%s", test, on->name, column);
    struct xf_node *t = add(f, XF_RES_TEST, name, NULL);
    t->original_file_path = "models/schema.yml";
    t->path = xf_arena_printf(a, "%s.sql", name);
    t->attached = on;
    t->column_name = column;
    struct xf_test_decl *decl = XF_ANEW(a, struct xf_test_decl);
    decl->test_name = test;
    decl->column = column;
    decl->kwargs = xf_v_dict(a, 2);
    if (to)
        xf_dict_set(a, decl->kwargs.u.d, XF_STR("to"), xf_v_strc(to));
    decl->config = xf_v_dict(a, 0);
    t->decl = decl;
    /* what the parse-mode render records: the model under test */
    if (on->type == XF_RES_SOURCE) {
        struct xf_dep d = {on->source_name, on->name, XF_NOLOC, NULL, NULL};
        xf_avec_push(a, &t->source_deps, d);
    } else {
        struct xf_dep d = {NULL, on->name, XF_NOLOC, NULL, NULL};
        xf_avec_push(a, &t->refs, d);
    }
    return t;
}

static char *all_diags(struct fx *f)
{
    struct xf_buf b = XF_BUF_INIT;
    for (struct xf_diag *d = f->d.head; d; d = d->next)
        xf_diag_format(&b, d, false);
    return xf_buf_detach(&b, NULL);
}

#define assert_diags(f, expected)                                                                  \
    do {                                                                                           \
        char *got_ = all_diags(f);                                                                 \
        assert_string_equal(got_, expected);                                                       \
        free(got_);                                                                                \
    } while (0)

static uint32_t idx(struct fx *f, const struct xf_node *n)
{
    return xf_graph_index(&f->g, n);
}

/* ---- the jaffle-shop-like project most tests use ------------------------ */

struct shop {
    struct fx *f;
    struct xf_node *raw_orders, *raw_customers; /* sources */
    struct xf_node *seed_pay, *stg_orders, *stg_customers, *stg_payments, *orders, *customers;
    struct xf_node *snap, *analysis, *singular, *t_unique, *t_rel, *t_src;
};

static void shop_init(struct shop *s)
{
    struct fx *f = s->f = fx_new();
    s->raw_orders = add_source(f, "raw", "orders");
    s->raw_customers = add_source(f, "raw", "customers");
    s->seed_pay = add(f, XF_RES_SEED, "raw_payments.csv", "id,amount\n1,2\n");
    s->stg_orders = add(f, XF_RES_MODEL, "staging/stg_orders.sql",
                        "select * from {{ source('raw', 'orders') }}\n");
    src(f, s->stg_orders, "raw", "orders");
    s->stg_customers = add(f, XF_RES_MODEL, "staging/stg_customers.sql",
                           "select * from {{ source('raw', 'customers') }}\n");
    src(f, s->stg_customers, "raw", "customers");
    s->stg_payments = add(f, XF_RES_MODEL, "staging/stg_payments.sql",
                          "select * from {{ ref('raw_payments') }}\n");
    ref(f, s->stg_payments, "raw_payments");
    s->orders = add(f, XF_RES_MODEL, "marts/orders.sql",
                    "{{ config(materialized='table') }}\n"
                    "select * from {{ ref('stg_orders') }}\n"
                    "join {{ ref('stg_payments') }} using (order_id)\n");
    ref(f, s->orders, "stg_orders");
    ref(f, s->orders, "stg_payments");
    set_cfg(f, s->orders, "materialized", xf_v_strc("table"));
    tag(f, s->orders, "nightly");
    tag(f, s->orders, "finance");
    s->customers = add(f, XF_RES_MODEL, "marts/customers.sql",
                       "select * from {{ ref('stg_customers') }}\n"
                       "join {{ ref('orders') }} using (customer_id)\n");
    ref(f, s->customers, "stg_customers");
    ref(f, s->customers, "orders");
    tag(f, s->customers, "nightly");
    set_cfg(f, s->customers, "meta", xf_v_dict(&f->p.arena, 0));
    s->snap = add(f, XF_RES_SNAPSHOT, "orders_snapshot.sql",
                  "{% snapshot orders_snapshot %}select * from {{ ref('orders') }}"
                  "{% endsnapshot %}\n");
    ref(f, s->snap, "orders");
    s->analysis = add(f, XF_RES_ANALYSIS, "revenue.sql", "select * from {{ ref('orders') }}\n");
    ref(f, s->analysis, "orders");
    s->singular = add(f, XF_RES_TEST, "assert_positive.sql",
                      "select * from {{ ref('orders') }} where amount < 0\n");
    ref(f, s->singular, "orders");
    s->t_unique = generic(f, "unique", s->orders, "order_id", NULL);
    s->t_rel = generic(f, "relationships", s->orders, "customer_id", "ref('customers')");
    s->t_src = generic(f, "not_null", s->raw_orders, "id", NULL);
}

static void shop_build(struct shop *s)
{
    int rc = xf_graph_build(&s->f->g, &s->f->p, &s->f->d);
    if (rc != 0) {
        char *d = all_diags(s->f);
        fprintf(stderr, "%s", d);
        free(d);
    }
    assert_int_equal(rc, 0);
}

static bool has_parent(struct fx *f, const struct xf_node *child, const struct xf_node *parent)
{
    uint32_t c = idx(f, child), p = idx(f, parent);
    for (uint32_t k = 0; k < f->g.nparents[c]; k++)
        if (f->g.parents[c][k] == p)
            return true;
    return false;
}

/* ---- resolution ---------------------------------------------------------- */

static void test_resolve(void **state)
{
    struct shop s;
    shop_init(&s);
    struct fx *f = s.f;
    shop_build(&s);
    struct xf_graph *g = &f->g;
    assert_int_equal(g->n, f->p.nodes.n + 2);
    assert_ptr_equal(g->all[idx(f, s.raw_customers)], s.raw_customers);
    assert_int_equal(idx(f, s.raw_customers), f->p.nodes.n + 1);
    assert_ptr_equal(s.orders->refs.v[0].node, s.stg_orders);
    assert_ptr_equal(s.stg_orders->source_deps.v[0].node, s.raw_orders);
    assert_int_equal(g->nparents[idx(f, s.orders)], 2);
    assert_true(has_parent(f, s.orders, s.stg_orders));
    assert_true(has_parent(f, s.orders, s.stg_payments));
    assert_true(has_parent(f, s.stg_payments, s.seed_pay));
    assert_true(has_parent(f, s.stg_orders, s.raw_orders));
    /* generic tests: the tested node, and the `to` model of relationships */
    assert_int_equal(g->nparents[idx(f, s.t_unique)], 1);
    assert_true(has_parent(f, s.t_rel, s.orders));
    assert_true(has_parent(f, s.t_rel, s.customers));
    assert_int_equal(g->nparents[idx(f, s.t_rel)], 2);
    assert_true(has_parent(f, s.t_src, s.raw_orders));
    /* children mirror parents */
    uint32_t o = idx(f, s.orders);
    assert_int_equal(g->nchildren[o], 6); /* customers, snap, analysis, 3 tests */
    assert_int_equal(g->children[o][0], idx(f, s.customers));
    assert_int_equal(f->d.nerrors + f->d.nwarnings, 0);
    fx_free(f);
}

static void test_ref_two_args_and_dedupe(void **state)
{
    struct fx *f = fx_new();
    struct xf_node *a = add(f, XF_RES_MODEL, "a.sql", "select 1");
    struct xf_node *b =
        add(f, XF_RES_MODEL, "b.sql", "select * from {{ ref('shop', 'a') }} join {{ ref('a') }}");
    ref2(f, b, "shop", "a");
    ref(f, b, "a");
    assert_int_equal(xf_graph_build(&f->g, &f->p, &f->d), 0);
    assert_int_equal(f->g.nparents[idx(f, b)], 1); /* one edge for two refs */
    assert_ptr_equal(b->refs.v[0].node, a);
    assert_ptr_equal(b->refs.v[1].node, a);
    fx_free(f);
}

static void test_unknown_ref(void **state)
{
    struct fx *f = fx_new();
    add(f, XF_RES_MODEL, "staging/stg_orders.sql", "select 1\n");
    struct xf_node *o =
        add(f, XF_RES_MODEL, "orders.sql", "-- orders\nselect * from {{ ref('stg_order') }}\n");
    ref(f, o, "stg_order");
    struct xf_node *x = add(f, XF_RES_MODEL, "x.sql", "select * from {{ ref('zzzzzz') }}\n");
    ref(f, x, "zzzzzz");
    assert_int_equal(xf_graph_build(&f->g, &f->p, &f->d), -1);
    assert_diags(f, "models/orders.sql:2:18: error: model 'orders' depends on a node named "
                    "'stg_order' which was not found (did you mean 'stg_orders'?)\n"
                    " 2 | select * from {{ ref('stg_order') }}\n"
                    "   |                  ^~~~~~~~~~~~~~~~\n"
                    "models/x.sql:1:18: error: model 'x' depends on a node named 'zzzzzz' which "
                    "was not found\n"
                    " 1 | select * from {{ ref('zzzzzz') }}\n"
                    "   |                  ^~~~~~~~~~~~~\n");
    assert_int_equal(f->d.nerrors, 2);
    fx_free(f);
}

static void test_unknown_source_and_package(void **state)
{
    struct fx *f = fx_new();
    add_source(f, "raw", "orders");
    struct xf_node *m =
        add(f, XF_RES_MODEL, "m.sql",
            "select * from {{ source('raw', 'order') }}, {{ ref('other', 'a') }}\n");
    src(f, m, "raw", "order");
    ref2(f, m, "other", "a");
    assert_int_equal(xf_graph_build(&f->g, &f->p, &f->d), -1);
    assert_diags(f, "models/m.sql:1:48: error: model 'm' depends on a node named 'a' in package "
                    "'other' which was not found\n"
                    " 1 | select * from {{ source('raw', 'order') }}, {{ ref('other', 'a') }}\n"
                    "   |                                                ^~~~~~~~~~~~~~~~~\n"
                    "  hint: 'other' is neither this project nor an installed package\n"
                    "models/m.sql:1:18: error: model 'm' depends on a source named 'raw.order' "
                    "which was not found (did you mean 'raw.orders'?)\n"
                    " 1 | select * from {{ source('raw', 'order') }}, {{ ref('other', 'a') }}\n"
                    "   |                  ^~~~~~~~~~~~~~~~~~~~~~\n");
    fx_free(f);
}

static void test_disabled(void **state)
{
    struct fx *f = fx_new();
    struct xf_node *old = add(f, XF_RES_MODEL, "old.sql", "select * from {{ ref('gone') }}\n");
    ref(f, old, "gone"); /* unknown, but a disabled node is not resolved at all */
    set_cfg(f, old, "enabled", xf_v_bool(false));
    struct xf_node *t = generic(f, "unique", old, "id", NULL); /* disabled with its model */
    struct xf_node *ok = add(f, XF_RES_MODEL, "ok.sql", "select 1\n");
    struct xf_node *bad = add(f, XF_RES_MODEL, "bad.sql", "select * from {{ ref('old') }}\n");
    ref(f, bad, "old");
    assert_int_equal(xf_graph_build(&f->g, &f->p, &f->d), -1);
    assert_diags(f, "models/bad.sql:1:18: error: model 'bad' depends on a node named 'old' "
                    "which is disabled\n"
                    " 1 | select * from {{ ref('old') }}\n"
                    "   |                  ^~~~~~~~~~\n"
                    "  hint: enable 'old' (config enabled=true) or remove this ref\n");
    assert_true(f->g.disabled[idx(f, old)]);
    assert_true(f->g.disabled[idx(f, t)]);
    assert_false(f->g.disabled[idx(f, ok)]);
    fx_free(f);

    /* a disabled model and an enabled one of the same name: the enabled one wins */
    f = fx_new();
    struct xf_node *a1 = add(f, XF_RES_MODEL, "v1/a.sql", "select 1\n");
    set_cfg(f, a1, "enabled", xf_v_bool(false));
    struct xf_node *a2 = add(f, XF_RES_MODEL, "v2/a.sql", "select 2\n");
    struct xf_node *b = add(f, XF_RES_MODEL, "b.sql", "select * from {{ ref('a') }}\n");
    ref(f, b, "a");
    assert_int_equal(xf_graph_build(&f->g, &f->p, &f->d), 0);
    assert_ptr_equal(b->refs.v[0].node, a2);
    bool sel[8];
    const char *all[] = {"a"};
    assert_int_equal(xf_graph_select(&f->g, all, 1, NULL, 0, sel, &f->d), 0);
    assert_false(sel[idx(f, a1)]);
    assert_true(sel[idx(f, a2)]);
    fx_free(f);
}

static void test_test_with_unknown_ref_is_warning(void **state)
{
    struct fx *f = fx_new();
    struct xf_node *m = add(f, XF_RES_MODEL, "orders.sql", "select 1\n");
    add(f, XF_RES_MODEL, "customers.sql", "select 1\n");
    struct xf_node *t = generic(f, "relationships", m, "customer_id", "ref('customer')");
    ((struct xf_test_decl *)t->decl)->loc = loc_of(m, "select"); /* stands in for the YAML */
    struct xf_node *s = add(f, XF_RES_TEST, "assert_x.sql", "select * from {{ ref('order') }}\n");
    ref(f, s, "order");
    assert_int_equal(xf_graph_build(&f->g, &f->p, &f->d), 0);
    assert_int_equal(f->d.nerrors, 0);
    assert_int_equal(f->d.nwarnings, 2);
    assert_true(f->g.disabled[idx(f, t)]);
    assert_true(f->g.disabled[idx(f, s)]);
    assert_int_equal(f->g.nparents[idx(f, t)], 0);
    assert_int_equal(f->g.nchildren[idx(f, m)], 0);
    assert_diags(f, "models/orders.sql:1:1: warning: test 'relationships_orders_customer_id' "
                    "depends on a node named 'customer' which was not found (did you mean "
                    "'customers'?)\n"
                    " 1 | select 1\n"
                    "   | ^~~~~~\n"
                    "  hint: the test is disabled until the reference is fixed\n"
                    "tests/assert_x.sql:1:18: warning: test 'assert_x' depends on a node named "
                    "'order' which was not found (did you mean 'orders'?)\n"
                    " 1 | select * from {{ ref('order') }}\n"
                    "   |                  ^~~~~~~~~~~~\n"
                    "  hint: the test is disabled until the reference is fixed\n");
    fx_free(f);
}

/* ---- cycles and order ---------------------------------------------------- */

static void test_cycle(void **state)
{
    struct fx *f = fx_new();
    add(f, XF_RES_MODEL, "ok.sql", "select 1\n");
    struct xf_node *a = add(f, XF_RES_MODEL, "a.sql", "select * from {{ ref('c') }}\n");
    struct xf_node *b = add(f, XF_RES_MODEL, "b.sql", "select 1\nfrom {{ ref('a') }}\n");
    struct xf_node *c =
        add(f, XF_RES_MODEL, "c.sql", "select * from {{ ref('ok') }}, {{ ref('b') }}\n");
    struct xf_node *d = add(f, XF_RES_MODEL, "d.sql", "select * from {{ ref('c') }}\n");
    ref(f, a, "c");
    ref(f, b, "a");
    ref(f, c, "ok");
    ref(f, c, "b");
    ref(f, d, "c"); /* downstream of the cycle, not in it */
    assert_int_equal(xf_graph_build(&f->g, &f->p, &f->d), -1);
    assert_int_equal(f->d.nerrors, 1);
    assert_diags(f, "models/a.sql:1:18: error: dependency cycle: model 'a' -> model 'c' -> "
                    "model 'b' -> model 'a'\n"
                    " 1 | select * from {{ ref('c') }}\n"
                    "   |                  ^~~~~~~~\n"
                    "  hint: a model cannot depend on itself, directly or through others; remove "
                    "one of these references\n"
                    "models/c.sql:1:35: note: model 'c' depends on model 'b' here\n"
                    " 1 | select * from {{ ref('ok') }}, {{ ref('b') }}\n"
                    "   |                                   ^~~~~~~~\n"
                    "models/b.sql:2:9: note: model 'b' depends on model 'a' here\n"
                    " 2 | from {{ ref('a') }}\n"
                    "   |         ^~~~~~~~\n");
    fx_free(f);

    f = fx_new();
    struct xf_node *self = add(f, XF_RES_MODEL, "self.sql", "select * from {{ ref('self') }}");
    ref(f, self, "self");
    assert_int_equal(xf_graph_build(&f->g, &f->p, &f->d), -1);
    assert_diags(f, "models/self.sql:1:18: error: dependency cycle: model 'self' -> model "
                    "'self'\n"
                    " 1 | select * from {{ ref('self') }}\n"
                    "   |                  ^~~~~~~~~~~\n"
                    "  hint: a model cannot depend on itself, directly or through others; remove "
                    "one of these references\n");
    fx_free(f);
}

static void test_order(void **state)
{
    struct shop s;
    shop_init(&s);
    struct fx *f = s.f;
    shop_build(&s);
    struct xf_graph *g = &f->g;
    uint32_t *pos = xf_malloc(g->n * sizeof *pos);
    bool *seen = xf_calloc(g->n, 1);
    for (uint32_t k = 0; k < g->n; k++) {
        assert_false(seen[g->order[k]]);
        seen[g->order[k]] = true;
        pos[g->order[k]] = k;
    }
    for (uint32_t i = 0; i < g->n; i++)
        for (uint32_t k = 0; k < g->nparents[i]; k++)
            assert_true(pos[g->parents[i][k]] < pos[i]);
    /* ties go to the lower index: the first ready node is node 0 (the seed) */
    assert_int_equal(g->order[0], idx(f, s.seed_pay));
    /* exact order for this project */
    const struct xf_node *want[] = {
        s.seed_pay,      s.stg_payments,  s.raw_orders, s.stg_orders, s.orders,
        s.snap,          s.analysis,      s.singular,   s.t_unique,   s.t_src,
        s.raw_customers, s.stg_customers, s.customers,  s.t_rel,
    };
    assert_int_equal(g->n, sizeof want / sizeof want[0]);
    for (size_t k = 0; k < g->n; k++)
        assert_string_equal(g->all[g->order[k]]->unique_id, want[k]->unique_id);
    free(pos);
    free(seen);
    fx_free(f);
}

/* ---- selection ----------------------------------------------------------- */

/* Selected unique ids, in index order, space-separated. */
static char *selected(struct fx *f, const bool *sel)
{
    struct xf_buf b = XF_BUF_INIT;
    for (uint32_t i = 0; i < f->g.n; i++) {
        if (!sel[i])
            continue;
        if (b.len)
            xf_buf_addch(&b, ' ');
        const struct xf_node *n = f->g.all[i];
        xf_buf_adds(&b, n->type == XF_RES_SOURCE ? n->unique_id + 7 : n->name);
    }
    return xf_buf_detach(&b, NULL);
}

static char *run_sel(struct fx *f, const char *select, const char *exclude)
{
    bool *sel = xf_calloc(f->g.n + 1, 1);
    const char *s1[] = {select}, *e1[] = {exclude};
    int rc = xf_graph_select(&f->g, s1, select ? 1 : 0, e1, exclude ? 1 : 0, sel, &f->d);
    char *out = rc < 0 ? xf_strdup("ERROR") : selected(f, sel);
    free(sel);
    return out;
}

#define assert_sel(f, select, exclude, want)                                                       \
    do {                                                                                           \
        char *got_ = run_sel((f), (select), (exclude));                                            \
        assert_string_equal(got_, want);                                                           \
        free(got_);                                                                                \
    } while (0)

static void test_select_basic(void **state)
{
    struct shop s;
    shop_init(&s);
    struct fx *f = s.f;
    shop_build(&s);
    /* everything enabled, sources included */
    assert_sel(f, NULL, NULL,
               "raw_payments stg_orders stg_customers stg_payments orders customers "
               "orders_snapshot revenue assert_positive unique_orders_order_id "
               "relationships_orders_customer_id not_null_orders_id shop.raw.orders "
               "shop.raw.customers");
    /* names of every resource type */
    assert_sel(f, "orders", NULL, "orders");
    assert_sel(f, "raw_payments orders_snapshot revenue assert_positive", NULL,
               "raw_payments orders_snapshot revenue assert_positive");
    assert_sel(f, "unique_orders_order_id", NULL, "unique_orders_order_id");
    /* fqn and folders */
    assert_sel(f, "staging", NULL, "stg_orders stg_customers stg_payments");
    assert_sel(f, "shop.staging.stg_orders", NULL, "stg_orders");
    assert_sel(f, "marts.orders", NULL, "orders");
    assert_sel(f, "fqn:staging.*_orders", NULL, "stg_orders");
    /* wildcards in names, in any folder */
    assert_sel(f, "stg_*", NULL, "stg_orders stg_customers stg_payments");
    assert_sel(f, "stg_?rders", NULL, "stg_orders");
    /* graph operators */
    assert_sel(f, "+orders", NULL, "raw_payments stg_orders stg_payments orders shop.raw.orders");
    assert_sel(f, "1+orders", NULL, "stg_orders stg_payments orders");
    assert_sel(f, "2+orders", NULL, "raw_payments stg_orders stg_payments orders shop.raw.orders");
    assert_sel(f, "stg_orders+", NULL,
               "stg_orders orders customers orders_snapshot revenue assert_positive "
               "unique_orders_order_id relationships_orders_customer_id");
    assert_sel(f, "stg_orders+1", NULL, "stg_orders orders");
    assert_sel(f, "1+orders+1", NULL,
               "stg_orders stg_payments orders customers orders_snapshot revenue "
               "assert_positive unique_orders_order_id relationships_orders_customer_id");
    assert_sel(f, "@stg_customers", NULL,
               "raw_payments stg_orders stg_customers stg_payments orders customers "
               "relationships_orders_customer_id shop.raw.orders shop.raw.customers");
    /* union, intersection, exclusion */
    assert_sel(f, "stg_orders customers", NULL, "stg_orders customers");
    assert_sel(f, "+customers,tag:nightly", NULL, "orders customers");
    assert_sel(f, "staging,stg_p*", NULL, "stg_payments");
    assert_sel(f, "staging", "stg_orders", "stg_customers stg_payments");
    assert_sel(f, "+orders", "resource_type:source resource_type:seed",
               "stg_orders stg_payments orders");
    assert_int_equal(f->d.nerrors + f->d.nwarnings, 0);
    fx_free(f);
}

static void test_select_methods(void **state)
{
    struct shop s;
    shop_init(&s);
    struct fx *f = s.f;
    set_cfg(f, s.customers, "access", xf_v_strc("public"));
    set_cfg(f, s.customers, "group", xf_v_strc("finance_team"));
    set_cfg(f, s.orders, "unique_key", str_list(&f->p.arena, (const char *[]){"id", "ts"}, 2));
    set_cfg(f, s.orders, "persist_docs", xf_v_dict(&f->p.arena, 0));
    xf_dict_set(&f->p.arena, xf_dict_getc(s.orders->config.u.d, "persist_docs")->u.d,
                XF_STR("relation"), xf_v_bool(true));
    tag(f, s.raw_orders, "raw");
    shop_build(&s);
    assert_sel(f, "tag:nightly", NULL, "orders customers");
    assert_sel(f, "tag:fin*", NULL, "orders");
    assert_sel(f, "tag:raw", NULL, "shop.raw.orders");
    assert_sel(f, "path:models/staging", NULL, "stg_orders stg_customers stg_payments");
    assert_sel(f, "models/staging", NULL, "stg_orders stg_customers stg_payments");
    assert_sel(f, "path:models/marts/orders.sql", NULL, "orders");
    assert_sel(f, "models/marts/orders.sql", NULL, "orders");
    assert_sel(f, "path:models/*/stg_p*.sql", NULL, "stg_payments");
    assert_sel(f, "path:seeds", NULL, "raw_payments");
    assert_sel(f, "path:models/sources.yml", NULL, "shop.raw.orders shop.raw.customers");
    assert_sel(f, "file:orders.sql", NULL, "orders");
    assert_sel(f, "orders.sql", NULL, "orders");
    assert_sel(f, "file:stg_orders", NULL, "stg_orders");
    assert_sel(f, "resource_type:model", NULL,
               "stg_orders stg_customers stg_payments orders customers");
    assert_sel(f, "resource_type:seed resource_type:snapshot resource_type:analysis", NULL,
               "raw_payments orders_snapshot revenue");
    assert_sel(f, "resource_type:source", NULL, "shop.raw.orders shop.raw.customers");
    assert_sel(f, "resource_type:test", NULL,
               "assert_positive unique_orders_order_id relationships_orders_customer_id "
               "not_null_orders_id");
    assert_sel(f, "test_type:generic", NULL,
               "unique_orders_order_id relationships_orders_customer_id not_null_orders_id");
    assert_sel(f, "test_type:singular", NULL, "assert_positive");
    assert_sel(f, "test_type:data", NULL, "assert_positive");
    assert_sel(f, "test_name:relationships", NULL, "relationships_orders_customer_id");
    assert_sel(f, "test_name:not_*", NULL, "not_null_orders_id");
    assert_sel(f, "source:raw", NULL, "shop.raw.orders shop.raw.customers");
    assert_sel(f, "source:raw.orders", NULL, "shop.raw.orders");
    assert_sel(f, "source:shop.raw.cust*", NULL, "shop.raw.customers");
    assert_sel(f, "source:*", NULL, "shop.raw.orders shop.raw.customers");
    assert_sel(f, "source:raw.orders+", NULL,
               "stg_orders orders customers orders_snapshot revenue assert_positive "
               "unique_orders_order_id relationships_orders_customer_id not_null_orders_id "
               "shop.raw.orders");
    assert_sel(f, "config.materialized:table", NULL, "orders");
    assert_sel(f, "config.materialized:view", NULL,
               "stg_orders stg_customers stg_payments customers");
    assert_sel(f, "config.materialized:seed", NULL, "raw_payments");
    assert_sel(f, "config.unique_key:ts", NULL, "orders");
    assert_sel(f, "config.persist_docs.relation:true", NULL, "orders");
    assert_sel(f, "config.access:public", NULL, "customers");
    assert_sel(f, "access:protected", NULL, "stg_orders stg_customers stg_payments orders");
    assert_sel(f, "group:finance_*", NULL, "customers");
    assert_sel(f, "package:shop,resource_type:seed", NULL, "raw_payments");
    assert_sel(f, "package:this,orders", NULL, "orders");
    assert_int_equal(f->d.nerrors + f->d.nwarnings, 0);
    fx_free(f);
}

static void test_select_diagnostics(void **state)
{
    struct shop s;
    shop_init(&s);
    struct fx *f = s.f;
    shop_build(&s);
    assert_sel(f, "ordrs tag:nightly", NULL, "orders customers");
    assert_int_equal(f->d.nwarnings, 1);
    assert_int_equal(f->d.nerrors, 0);
    assert_sel(f, "tagg:nightly", NULL, "ERROR");
    assert_sel(f, "resource_type:modle", NULL, "ERROR");
    assert_sel(f, "test_type:generik", NULL, "ERROR");
    assert_sel(f, "@+orders", NULL, "ERROR");
    assert_sel(f, "state:modified", NULL, "ERROR");
    assert_sel(f, "config:table", NULL, "ERROR");
    assert_sel(f, "tag:", NULL, "ERROR");
    assert_sel(f, "orders", "nope", "orders");
    assert_diags(f, "warning: the selection criterion 'ordrs' does not match any enabled nodes "
                    "(did you mean 'orders'?)\n"
                    "error: unknown selector method 'tagg' in 'tagg:nightly' (did you mean "
                    "'tag'?)\n"
                    "  hint: methods: fqn, tag, path, file, package, config.<key>, resource_type, "
                    "test_type, test_name, source, access, group, exposure, metric, "
                    "semantic_model, saved_query, unit_test\n"
                    "error: unknown resource type 'modle' in 'resource_type:modle' (did you mean "
                    "'model'?)\n"
                    "  hint: resource types: model, seed, snapshot, test, source, analysis, "
                    "exposure, metric, saved_query, semantic_model, unit_test\n"
                    "error: unknown test type 'generik' in 'test_type:generik' (did you mean "
                    "'generic'?)\n"
                    "  hint: test types: generic, singular, unit\n"
                    "error: cannot combine '@' with '+' in '@+orders'\n"
                    "  hint: use either '@' or '+' operators on one selector\n"
                    "error: selector 'state:modified' needs --state: there is nothing to compare "
                    "with\n"
                    "  hint: pass the folder of an earlier run's artifacts: --state DIR\n"
                    "error: selector method 'config' needs a key in 'config:table'\n"
                    "  hint: name the config key, as in config.materialized:table\n"
                    "error: empty selector in 'tag:'\n"
                    "  hint: write a name, or method:value such as tag:nightly\n"
                    "warning: the selection criterion 'nope' does not match any enabled nodes\n");
    fx_free(f);
}

static void test_indirect(void **state)
{
    struct shop s;
    shop_init(&s);
    struct fx *f = s.f;
    shop_build(&s);
    bool *sel = xf_calloc(f->g.n, 1);
    char *got;
    /* eager: any parent selected */
    sel[idx(f, s.orders)] = true;
    xf_graph_add_tests(&f->g, sel);
    got = selected(f, sel);
    assert_string_equal(got, "orders assert_positive unique_orders_order_id "
                             "relationships_orders_customer_id");
    free(got);
    /* cautious: all parents selected (relationships needs customers too) */
    memset(sel, 0, f->g.n);
    sel[idx(f, s.orders)] = true;
    xf_graph_add_tests_mode(&f->g, sel, XF_INDIRECT_CAUTIOUS);
    got = selected(f, sel);
    assert_string_equal(got, "orders assert_positive unique_orders_order_id");
    free(got);
    /* buildable: parents selected or upstream of the selection */
    memset(sel, 0, f->g.n);
    sel[idx(f, s.customers)] = true;
    xf_graph_add_tests_mode(&f->g, sel, XF_INDIRECT_BUILDABLE);
    got = selected(f, sel);
    assert_string_equal(got, "customers relationships_orders_customer_id");
    free(got);
    memset(sel, 0, f->g.n);
    sel[idx(f, s.customers)] = true;
    xf_graph_add_tests_mode(&f->g, sel, XF_INDIRECT_EMPTY);
    got = selected(f, sel);
    assert_string_equal(got, "customers");
    free(got);
    /* select + exclude with tests, as dbt test/build do */
    const char *sl[] = {"orders"}, *ex[] = {"test_name:unique"}, *ex2[] = {"raw_orders"};
    assert_int_equal(xf_graph_select_tests(&f->g, sl, 1, ex, 1, XF_INDIRECT_EAGER, sel, &f->d), 0);
    got = selected(f, sel);
    assert_string_equal(got, "orders assert_positive relationships_orders_customer_id");
    free(got);
    const char *ex3[] = {"source:raw.orders"};
    assert_int_equal(xf_graph_select_tests(&f->g, NULL, 0, ex3, 1, XF_INDIRECT_EAGER, sel, &f->d),
                     0);
    got = selected(f, sel);
    assert_string_equal(got, "raw_payments stg_orders stg_customers stg_payments orders customers "
                             "orders_snapshot revenue assert_positive unique_orders_order_id "
                             "relationships_orders_customer_id shop.raw.customers");
    free(got);
    (void)ex2;
    free(sel);
    fx_free(f);
}

/* ---- selectors.yml ---------------------------------------------------------- */

/* A project folder holding selectors.yml with `text` (NULL: none). */
static void write_selectors(struct fx *f, char *dir, const char *text)
{
    assert_non_null(mkdtemp(dir));
    f->p.root = dir;
    if (!text)
        return;
    char path[512];
    snprintf(path, sizeof path, "%s/selectors.yml", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void remove_selectors(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/selectors.yml", dir);
    remove(path);
    rmdir(dir);
}

static char *run_named(struct fx *f, const struct xf_selectors *sels, const char *name,
                       enum xf_indirect mode)
{
    bool *sel = xf_calloc(f->g.n + 1, 1);
    int rc = xf_selectors_select(sels, &f->g, name, true, mode, sel, &f->d);
    char *out = rc < 0 ? xf_strdup("ERROR") : selected(f, sel);
    free(sel);
    return out;
}

#define assert_named(f, sels, name, mode, want)                                                    \
    do {                                                                                           \
        char *got_ = run_named((f), (sels), (name), (mode));                                       \
        assert_string_equal(got_, want);                                                           \
        free(got_);                                                                                \
    } while (0)

static void test_selectors(void **state)
{
    (void)state;
    struct shop s;
    shop_init(&s);
    struct fx *f = s.f;
    shop_build(&s);
    char dir[] = "/tmp/xf_selectors_XXXXXX";
    write_selectors(f, dir,
                    "selectors:\n"
                    "  - name: cli\n"
                    "    definition: '+orders,tag:nightly stg_customers'\n"
                    "  - name: kv\n"
                    "    default: true\n"
                    "    definition: {tag: finance}\n"
                    "  - name: full\n"
                    "    definition:\n"
                    "      method: fqn\n"
                    "      value: orders\n"
                    "      children_depth: 1\n"
                    "      indirect_selection: empty\n"
                    "      exclude: [resource_type:analysis]\n"
                    "  - name: sets\n"
                    "    definition:\n"
                    "      union:\n"
                    "        - intersection: ['tag:nightly', {method: path, value: models/marts}]\n"
                    "        - selector: kv\n"
                    "        - exclude: ['selector:kv']\n"
                    "  - name: ref\n"
                    "    definition: 'selector:full stg_payments'\n");
    struct xf_selectors *sels;
    assert_int_equal(xf_selectors_load(&sels, &f->p, &f->d), 0);
    assert_string_equal(xf_selectors_default(sels), "kv");
    /* tests come with their models per leaf, the intersection keeps both sides' */
    assert_named(f, sels, "cli", XF_INDIRECT_EAGER,
                 "stg_customers orders assert_positive unique_orders_order_id "
                 "relationships_orders_customer_id");
    assert_named(f, sels, "cli", XF_INDIRECT_CAUTIOUS,
                 "stg_customers orders assert_positive unique_orders_order_id");
    assert_named(f, sels, "kv", XF_INDIRECT_EMPTY, "orders");
    /* the leaf's own mode wins; children of orders include its tests */
    assert_named(f, sels, "full", XF_INDIRECT_EAGER,
                 "orders customers orders_snapshot assert_positive unique_orders_order_id "
                 "relationships_orders_customer_id");
    assert_named(f, sels, "sets", XF_INDIRECT_EMPTY, "customers");
    assert_named(f, sels, "ref", XF_INDIRECT_EMPTY,
                 "stg_payments orders customers orders_snapshot assert_positive "
                 "unique_orders_order_id relationships_orders_customer_id");
    assert_null(f->d.head);
    /* an unknown name: did you mean, with the names as hint */
    assert_named(f, sels, "kvv", XF_INDIRECT_EAGER, "ERROR");
    assert_diags(f, "error: unknown selector 'kvv' (did you mean 'kv'?)\n"
                    "  hint: selectors in selectors.yml: cli, kv, full, sets, ref\n");
    remove_selectors(dir);
    fx_free(f);
}

static void test_selectors_absent(void **state)
{
    (void)state;
    struct shop s;
    shop_init(&s);
    struct fx *f = s.f;
    shop_build(&s);
    char dir[] = "/tmp/xf_selectors_XXXXXX";
    write_selectors(f, dir, NULL);
    assert_false(xf_selectors_file_exists(&f->p));
    struct xf_selectors *sels;
    assert_int_equal(xf_selectors_load(&sels, &f->p, &f->d), 0);
    assert_non_null(sels);
    assert_null(xf_selectors_default(sels));
    assert_named(f, sels, "nightly", XF_INDIRECT_EAGER, "ERROR");
    assert_diags(f, "error: unknown selector 'nightly'\n"
                    "  hint: the project has no selectors in selectors.yml\n");
    remove_selectors(dir);
    fx_free(f);
}

static void test_selectors_errors(void **state)
{
    (void)state;
    struct fx *f = fx_new();
    char dir[] = "/tmp/xf_selectors_XXXXXX";
    write_selectors(f, dir,
                    "selectors:\n"
                    "  - name: a\n"
                    "    definition: 'selector:b'\n"
                    "  - name: b\n"
                    "    definition:\n"
                    "      union: [{method: selector, value: a}, 'tga:x']\n");
    assert_true(xf_selectors_file_exists(&f->p));
    struct xf_selectors *sels;
    assert_int_equal(xf_selectors_load(&sels, &f->p, &f->d), -1);
    /* the bad method is found first; a cycle is looked for only in a valid file */
    assert_diags(f, "selectors.yml:6:45: error: unknown selector method 'tga' in 'tga:x' (did you "
                    "mean 'tag'?)\n"
                    " 6 |       union: [{method: selector, value: a}, 'tga:x']\n"
                    "   |                                             ^~~~~~~\n"
                    "  hint: methods: fqn, tag, path, file, package, config.<key>, resource_type, "
                    "test_type, test_name, source, access, group, exposure, metric, "
                    "semantic_model, saved_query, unit_test\n");
    remove_selectors(dir);
    xf_diags_release(&f->d);
    xf_diags_init(&f->d);
    char dir2[] = "/tmp/xf_selectors_XXXXXX";
    write_selectors(f, dir2,
                    "selectors:\n"
                    "  - name: a\n"
                    "    definition: 'selector:b'\n"
                    "  - name: b\n"
                    "    definition:\n"
                    "      union: [{method: selector, value: a}, 'tag:x']\n");
    assert_int_equal(xf_selectors_load(&sels, &f->p, &f->d), -1);
    assert_diags(f, "selectors.yml:6:41: error: selectors refer to each other in a cycle: 'a' -> "
                    "'b' -> 'a'\n"
                    " 6 |       union: [{method: selector, value: a}, 'tag:x']\n"
                    "   |                                         ^\n"
                    "  hint: break the cycle: a selector cannot use itself\n");
    remove_selectors(dir2);
    /* the parse-only check gives select.c's messages */
    xf_diags_release(&f->d);
    xf_diags_init(&f->d);
    assert_int_equal(xf_graph_check_selector("2+tag:x+", &f->d), 0);
    assert_int_equal(xf_graph_check_selector("@+x", &f->d), -1);
    assert_diags(f, "error: cannot combine '@' with '+' in '@+x'\n"
                    "  hint: use either '@' or '+' operators on one selector\n");
    fx_free(f);
}

/* ---- scale ----------------------------------------------------------------- */

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

static void test_scale(void **state)
{
    enum { N = 20000 };
    struct fx *f = fx_new();
    struct xf_arena *a = &f->p.arena;
    add_source(f, "raw", "events");
    /* layers of 100 models, each refs two of the layer above; a test on each */
    for (int i = 0; i < N / 2; i++) {
        char rel[64], text[160];
        snprintf(rel, sizeof rel, "layer%d/m%d.sql", i / 100, i);
        if (i < 100)
            snprintf(text, sizeof text, "select * from {{ source('raw', 'events') }}");
        else
            snprintf(text, sizeof text, "select * from {{ ref('m%d') }} join {{ ref('m%d') }}",
                     i - 100, i - 100 + (i % 7 == 0 ? 1 : 0) + (i % 100 == 99 ? -1 : 0));
        struct xf_node *n = add(f, XF_RES_MODEL, rel, text);
        if (i % 10 == 0)
            tag(f, n, "hourly");
        if (i < 100) {
            src(f, n, "raw", "events");
        } else {
            const char *p1 = strstr(text, "ref('") + 5, *p2 = strstr(p1, "ref('") + 5;
            ref(f, n, xf_arena_strndup(a, p1, (size_t)(strchr(p1, '\'') - p1)));
            ref(f, n, xf_arena_strndup(a, p2, (size_t)(strchr(p2, '\'') - p2)));
        }
        generic(f, "not_null", n, "id", NULL);
    }
    /* best of a few runs: the first pays for page faults and cold caches */
    double tb = 1e9, ts = 1e9;
    bool *sel = NULL;
    const char *sl[] = {"m5000+ +m9000 tag:hourly,layer3 layer9.m99*"}, *ex[] = {"m9999"};
    for (int run = 0; run < 5; run++) {
        double t0 = now();
        assert_int_equal(xf_graph_build(&f->g, &f->p, &f->d), 0);
        double t1 = now();
        if (!sel)
            sel = xf_calloc(f->g.n, 1);
        assert_int_equal(xf_graph_select_tests(&f->g, sl, 1, ex, 1, XF_INDIRECT_EAGER, sel, &f->d),
                         0);
        double t2 = now();
        tb = t1 - t0 < tb ? t1 - t0 : tb;
        ts = t2 - t1 < ts ? t2 - t1 : ts;
    }
    assert_int_equal(f->d.nwarnings + f->d.nerrors, 0);
    size_t count = 0;
    for (size_t i = 0; i < f->g.n; i++)
        count += sel[i];
    assert_true(count > 100);
    assert_false(sel[f->p.nodes.v[19998]->index]); /* m9999 */
    print_message("graph: %zu nodes: build %.2f ms, select %.2f ms (%zu selected)\n", f->g.n,
                  tb * 1e3, ts * 1e3, count);
    /* a few ms natively (with room for a busy machine); valgrind/ASan are far slower */
    assert_true(tb + ts < (slow_run() ? 5.0 : 0.1));
    free(sel);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_ref_two_args_and_dedupe),
        cmocka_unit_test(test_unknown_ref),
        cmocka_unit_test(test_unknown_source_and_package),
        cmocka_unit_test(test_disabled),
        cmocka_unit_test(test_test_with_unknown_ref_is_warning),
        cmocka_unit_test(test_cycle),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_select_basic),
        cmocka_unit_test(test_select_methods),
        cmocka_unit_test(test_select_diagnostics),
        cmocka_unit_test(test_indirect),
        cmocka_unit_test(test_selectors),
        cmocka_unit_test(test_selectors_absent),
        cmocka_unit_test(test_selectors_errors),
        cmocka_unit_test(test_scale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
