// SPDX-License-Identifier: MIT
/*
 * Generic data tests: every test declared in YAML becomes a test node,
 * named exactly as dbt names it (so --select by test name works), with
 * edges to what it tests. At run time the node renders by calling the
 * test macro (test_<name>, project first, then built in) with the
 * declared arguments.
 */
#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"
#include "util/hash.h"

/* Arguments that are test configs, not macro arguments (as dbt). */
static const char *const config_args[] = {
    "severity", "tags",     "enabled",   "where",          "limit",
    "warn_if",  "error_if", "fail_calc", "store_failures", "store_failures_as",
    "meta",     "database", "schema",    "alias",          NULL,
};

static bool is_config_arg(struct xf_str k)
{
    for (const char *const *c = config_args; *c; c++) {
        if (xf_str_eqc(k, *c))
            return true;
    }
    return false;
}

/* Replaces every run of characters outside [0-9a-zA-Z_] with one '_'. */
static void add_clean(struct xf_buf *b, const char *s, size_t n)
{
    bool in_bad = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c) || c == '_') {
            xf_buf_addch(b, (char)c);
            in_bad = false;
        } else if (!in_bad) {
            xf_buf_addch(b, '_');
            in_bad = true;
        }
    }
}

static void add_part(struct xf_buf *b, bool *first, const struct xf_value *v)
{
    struct xf_buf t = XF_BUF_INIT;
    xf_value_str(&t, v);
    if (!*first)
        xf_buf_adds(b, "__");
    *first = false;
    add_clean(b, t.ptr, t.len);
    xf_buf_release(&t);
}

static int cmp_keys(const void *a, const void *b)
{
    const struct xf_dict_ent *x = *(const struct xf_dict_ent *const *)a;
    const struct xf_dict_ent *y = *(const struct xf_dict_ent *const *)b;
    size_t n = x->key.len < y->key.len ? x->key.len : y->key.len;
    int c = memcmp(x->key.p, y->key.p, n);
    return c ? c : (x->key.len > y->key.len) - (x->key.len < y->key.len);
}

/*
 * dbt's synthesize_generic_test_names: "<type>_<target>_<flattened sorted
 * args>", and when that is 64 characters or more, the first 30 characters
 * of "<type>_<target>" plus "_" and the md5 of the full name.
 */
static void test_names(struct xf_arena *a, const char *type, const char *target,
                       const struct xf_dict *args, const char **short_out, const char **full_out)
{
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_addf(&b, "%s_%s_", type, target);
    const struct xf_dict_ent **sorted = xf_calloc(args->n + 1, sizeof *sorted);
    for (size_t i = 0; i < args->n; i++)
        sorted[i] = &args->ents[i];
    qsort(sorted, args->n, sizeof *sorted, cmp_keys);
    bool first = true;
    for (size_t i = 0; i < args->n; i++) {
        const struct xf_value *v = &sorted[i]->val;
        if (v->t == XF_V_DICT) {
            for (size_t k = 0; k < v->u.d->n; k++)
                add_part(&b, &first, &v->u.d->ents[k].val);
        } else if (v->t == XF_V_LIST) {
            for (size_t k = 0; k < v->u.l->n; k++)
                add_part(&b, &first, &v->u.l->items[k]);
        } else {
            add_part(&b, &first, v);
        }
    }
    free(sorted);
    *full_out = xf_arena_strndup(a, b.ptr, b.len);
    if (b.len >= 64) {
        char md5[33];
        xf_md5_hex(md5, b.ptr, b.len);
        /* The first 30 characters of "<type>_<target>", then the hash. */
        char *ident = xf_arena_printf(a, "%s_%s", type, target);
        *short_out = xf_arena_printf(a, "%.30s_%s", ident, md5);
    } else {
        *short_out = *full_out;
    }
    xf_buf_release(&b);
}

/* "dbt_utils.accepted_range" -> namespace "dbt_utils", name "accepted_range". */
static void split_test_name(const char *full, const char **ns, size_t *nslen, const char **name)
{
    const char *dot = strchr(full, '.');
    if (dot) {
        *ns = full;
        *nslen = (size_t)(dot - full);
        *name = dot + 1;
    } else {
        *ns = NULL;
        *nslen = 0;
        *name = full;
    }
}

/*
 * The declaring YAML file's path relative to its project: a package's
 * files are shown as "dbt_packages/<pkg>/models/x.yml" in diagnostics,
 * while dbt's original_file_path starts at the package's own folder.
 */
static const char *decl_path(const struct xf_project *p, const char *pkg,
                             const struct xf_test_decl *d, const struct xf_node *target)
{
    const char *path = d->loc.src ? d->loc.src->path : target->original_file_path;
    const struct xf_package *pk = xf_project_package(p, pkg);
    size_t dl = pk ? strlen(pk->dir) : 0;
    if (dl && path && !strncmp(path, pk->dir, dl) && path[dl] == '/')
        path += dl + 1;
    return path;
}

static struct xf_value fqn_for(struct xf_arena *a, const char *pkg, const char *path,
                               const char *full)
{
    struct xf_value f = xf_v_list(a, 4);
    xf_list_push(a, f.u.l, xf_v_strc(pkg));
    /* The folders of the YAML file below its resource path. */
    if (!path)
        path = "";
    const char *slash = strchr(path, '/');
    const char *rest = slash ? slash + 1 : path;
    for (;;) {
        const char *next = strchr(rest, '/');
        if (!next)
            break;
        xf_list_push(a, f.u.l,
                     xf_v_str((struct xf_str){xf_arena_strndup(a, rest, (size_t)(next - rest)),
                                              (size_t)(next - rest)}));
        rest = next + 1;
    }
    xf_list_push(a, f.u.l, xf_v_strc(full));
    return f;
}

/*
 * dbt's test id suffix hashes Python's repr() of the test's metadata with
 * every leaf turned to str() and dict keys sorted: the same text here makes
 * xform's ids equal dbt-core's, so --state against a dbt manifest matches
 * tests as it matches models.
 */
static void py_str_repr(struct xf_buf *b, const char *s, size_t n)
{
    bool sq = memchr(s, '\'', n) != NULL, dq = memchr(s, '"', n) != NULL;
    char q = sq && !dq ? '"' : '\'';
    xf_buf_addch(b, q);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' || c == (unsigned char)q) {
            xf_buf_addch(b, '\\');
            xf_buf_addch(b, (char)c);
        } else if (c == '\n') {
            xf_buf_adds(b, "\\n");
        } else if (c == '\r') {
            xf_buf_adds(b, "\\r");
        } else if (c == '\t') {
            xf_buf_adds(b, "\\t");
        } else if (c < 0x20 || c == 0x7f) {
            xf_buf_addf(b, "\\x%02x", c);
        } else {
            xf_buf_addch(b, (char)c);
        }
    }
    xf_buf_addch(b, q);
}

/* Python's str() of a leaf, as repr() of that string. */
static void py_leaf_repr(struct xf_buf *b, const struct xf_value *v)
{
    char num[64];
    switch (v->t) {
    case XF_V_STR:
        py_str_repr(b, v->u.s.p, v->u.s.len);
        return;
    case XF_V_BOOL:
        py_str_repr(b, v->u.b ? "True" : "False", v->u.b ? 4 : 5);
        return;
    case XF_V_INT:
        snprintf(num, sizeof num, "%lld", (long long)v->u.i);
        break;
    case XF_V_FLOAT: {
        /* the shortest text that reads back as the same double, as Python */
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(num, sizeof num, "%.*g", prec, v->u.f);
            if (strtod(num, NULL) == v->u.f)
                break;
        }
        if (!strpbrk(num, ".eni"))
            strcat(num, ".0");
        break;
    }
    default:
        snprintf(num, sizeof num, "None");
        break;
    }
    py_str_repr(b, num, strlen(num));
}

static int cmp_ent_keys(const void *x, const void *y)
{
    const struct xf_dict_ent *a = *(const struct xf_dict_ent *const *)x;
    const struct xf_dict_ent *b = *(const struct xf_dict_ent *const *)y;
    size_t n = a->key.len < b->key.len ? a->key.len : b->key.len;
    int c = memcmp(a->key.p, b->key.p, n);
    return c ? c : (a->key.len > b->key.len) - (a->key.len < b->key.len);
}

static void py_hashable_repr(struct xf_buf *b, const struct xf_value *v)
{
    if (v->t == XF_V_LIST) {
        xf_buf_addch(b, '[');
        for (size_t i = 0; i < v->u.l->n; i++) {
            if (i)
                xf_buf_adds(b, ", ");
            py_hashable_repr(b, &v->u.l->items[i]);
        }
        xf_buf_addch(b, ']');
        return;
    }
    if (v->t != XF_V_DICT) {
        py_leaf_repr(b, v);
        return;
    }
    size_t n = v->u.d->n;
    const struct xf_dict_ent **e = xf_calloc(n + 1, sizeof *e);
    for (size_t i = 0; i < n; i++)
        e[i] = &v->u.d->ents[i];
    qsort(e, n, sizeof *e, cmp_ent_keys);
    xf_buf_addch(b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            xf_buf_adds(b, ", ");
        py_str_repr(b, e[i]->key.p, e[i]->key.len);
        xf_buf_adds(b, ": ");
        py_hashable_repr(b, &e[i]->val);
    }
    xf_buf_addch(b, '}');
    free(e);
}

/*
 * The test node of one declaration, made in `a` (not yet in the project).
 * What only names and hashes it (the arguments, the text hashed) goes in
 * `tmp`, emptied after each test: 30,000 tests kept 8 MB of it.
 */
static struct xf_node *make_test(struct xf_session *s, struct xf_arena *a, struct xf_arena *tmp,
                                 struct xf_node *target, const struct xf_test_decl *d)
{
    struct xf_project *p = s->p;
    const char *ns, *tname;
    size_t nslen;
    split_test_name(d->test_name, &ns, &nslen, &tname);

    /* Arguments for the name: the declared ones plus column_name. */
    struct xf_value args = xf_v_dict(tmp, 4);
    if (d->kwargs.t == XF_V_DICT) {
        for (size_t i = 0; i < d->kwargs.u.d->n; i++) {
            const struct xf_dict_ent *e = &d->kwargs.u.d->ents[i];
            if (!is_config_arg(e->key) && !xf_str_eqc(e->key, "name") &&
                !xf_str_eqc(e->key, "config"))
                xf_dict_set(tmp, args.u.d, e->key, e->val);
        }
    }
    if (d->column)
        xf_dict_set(tmp, args.u.d, XF_STR("column_name"), xf_v_strc(d->column));

    char type[256];
    if (target->type == XF_RES_SOURCE)
        snprintf(type, sizeof type, "%.*s%ssource_%s", (int)nslen, ns ? ns : "", ns ? "_" : "",
                 tname);
    else
        snprintf(type, sizeof type, "%.*s%s%s", (int)nslen, ns ? ns : "", ns ? "_" : "", tname);
    const char *tgt_name = target->type == XF_RES_SOURCE
                               ? xf_arena_printf(tmp, "%s_%s", target->source_name, target->name)
                           : target->version
                               ? xf_arena_printf(tmp, "%s_v%s", target->name, target->version)
                               : target->name;
    const char *short_name, *full_name;
    const struct xf_value *given =
        d->kwargs.t == XF_V_DICT ? xf_dict_getc(d->kwargs.u.d, "name") : NULL;
    if (!given && d->config.t == XF_V_DICT)
        given = xf_dict_getc(d->config.u.d, "name");
    if (given && given->t == XF_V_STR) {
        short_name = full_name = xf_arena_strdups(a, given->u.s);
    } else {
        test_names(a, type, tgt_name, args.u.d, &short_name, &full_name);
    }

    struct xf_node *n = XF_ANEW(a, struct xf_node);
    n->type = XF_RES_TEST;
    /* As dbt: the node is named by the full name; the shortened one names
     * its compiled file and, through alias, its relation. */
    n->name = full_name;
    /* A test belongs to the project whose YAML declares it: its target's. */
    const char *pkg = target->package ? target->package : p->name;
    n->package = pkg;
    /*
     * dbt's id: md5 of the name and its test_metadata ({'kwargs': the
     * arguments with column_name and model, 'name', 'namespace'}), last 10.
     */
    /* the naming above is done with args: it takes `model` now */
    const char *model_arg =
        target->type == XF_RES_SOURCE
            ? xf_arena_printf(tmp, "{{ get_where_subquery(source('%s', '%s')) }}",
                              target->source_name, target->name)
        : target->version
            ? xf_arena_printf(tmp, "{{ get_where_subquery(ref('%s', v='%s')) }}", target->name,
                              target->version)
            : xf_arena_printf(tmp, "{{ get_where_subquery(ref('%s')) }}", target->name);
    xf_dict_set(tmp, args.u.d, XF_STR("model"), xf_v_strc(model_arg));
    char md5[33];
    struct xf_buf h = XF_BUF_INIT;
    xf_buf_adds(&h, full_name);
    xf_buf_adds(&h, "{'kwargs': ");
    py_hashable_repr(&h, &args);
    xf_buf_adds(&h, ", 'name': ");
    py_str_repr(&h, tname, strlen(tname));
    xf_buf_adds(&h, ", 'namespace': ");
    if (ns)
        py_str_repr(&h, ns, nslen);
    else
        xf_buf_adds(&h, "'None'");
    xf_buf_addch(&h, '}');
    xf_md5_hex(md5, h.ptr, h.len);
    xf_buf_release(&h);
    n->unique_id = xf_arena_printf(a, "test.%s.%s.%s", pkg, full_name, md5 + 22);
    n->original_file_path = decl_path(p, pkg, d, target);
    n->path = xf_arena_printf(a, "%s.sql", short_name);
    n->fqn = fqn_for(a, pkg, n->original_file_path, full_name);
    n->attached = target;
    n->column_name = d->column;
    n->decl = d;
    n->tags = xf_v_list(a, 0);
    n->meta = xf_v_dict(a, 0);

    /* Config: project tests tree defaults, then the declaration's (sized once). */
    const struct xf_value *tree =
        p->config_trees.t == XF_V_DICT ? xf_dict_getc(p->config_trees.u.d, "tests") : NULL;
    if (!tree && p->config_trees.t == XF_V_DICT)
        tree = xf_dict_getc(p->config_trees.u.d, "data_tests");
    const struct xf_value *lvls[2] = {NULL, NULL};
    if (tree && tree->t == XF_V_DICT) {
        /* Only the top level (and the project's own level) of the tree. */
        lvls[0] = tree;
        lvls[1] = xf_dict_getc(tree->u.d, p->name);
    }
    size_t ncfg = 4; /* materialized, severity, enabled, alias */
    for (int l = 0; l < 2; l++)
        ncfg += lvls[l] && lvls[l]->t == XF_V_DICT ? lvls[l]->u.d->n : 0;
    ncfg += d->kwargs.t == XF_V_DICT ? d->kwargs.u.d->n : 0;
    ncfg += d->config.t == XF_V_DICT ? d->config.u.d->n : 0;
    n->config = xf_v_dict(a, ncfg);
    xf_dict_set(a, n->config.u.d, XF_STR("materialized"), xf_v_strc("test"));
    xf_dict_set(a, n->config.u.d, XF_STR("severity"), xf_v_strc("ERROR"));
    xf_dict_set(a, n->config.u.d, XF_STR("enabled"), xf_v_bool(true));
    if (lvls[0]) {
        for (int l = 0; l < 2; l++) {
            if (!lvls[l] || lvls[l]->t != XF_V_DICT)
                continue;
            for (size_t i = 0; i < lvls[l]->u.d->n; i++) {
                const struct xf_dict_ent *e = &lvls[l]->u.d->ents[i];
                struct xf_str k = e->key;
                if (k.len && k.p[0] == '+')
                    k = (struct xf_str){k.p + 1, k.len - 1};
                if (e->val.t != XF_V_DICT || xf_str_eqc(k, "meta"))
                    xf_dict_set(a, n->config.u.d, k, e->val);
            }
        }
    }
    if (d->kwargs.t == XF_V_DICT) {
        for (size_t i = 0; i < d->kwargs.u.d->n; i++) {
            const struct xf_dict_ent *e = &d->kwargs.u.d->ents[i];
            if (is_config_arg(e->key))
                xf_dict_set(a, n->config.u.d, e->key, e->val);
        }
    }
    if (d->config.t == XF_V_DICT) {
        for (size_t i = 0; i < d->config.u.d->n; i++) {
            const struct xf_dict_ent *e = &d->config.u.d->ents[i];
            if (!xf_str_eqc(e->key, "name"))
                xf_dict_set(a, n->config.u.d, e->key, e->val);
        }
    }
    if (short_name != full_name && !xf_dict_getc(n->config.u.d, "alias"))
        xf_dict_set(a, n->config.u.d, XF_STR("alias"), xf_v_strc(short_name));
    const struct xf_value *tags = xf_dict_getc(n->config.u.d, "tags");
    if (tags && tags->t == XF_V_LIST)
        n->tags = *tags;
    else if (tags && tags->t == XF_V_STR) {
        n->tags = xf_v_list(a, 1);
        xf_list_push(a, n->tags.u.l, *tags);
    }

    /* Dependencies: what is tested; refs in arguments come from the parse render. */
    /* one entry, not the four a vector starts with: a ref() argument
     * (relationships' to) grows it in the parse render */
    struct xf_dep *dep = xf_arena_alloc(a, sizeof *dep);
    *dep = (struct xf_dep){NULL, target->name, d->loc, NULL, target->version};
    if (target->type == XF_RES_SOURCE) {
        dep->package = target->source_name;
        n->source_deps.v = dep;
        n->source_deps.n = n->source_deps.cap = 1;
    } else {
        n->refs.v = dep;
        n->refs.n = n->refs.cap = 1;
    }
    return n;
}

/*
 * Making a test node (its dbt name, md5, config) reads only the declaration
 * and the tested node, so 30,000 of them are made on every core, each
 * thread in its own arena (kept for the session), then appended to the
 * project in declaration order.
 */
struct gen_item {
    struct xf_node *target;
    const struct xf_test_decl *d;
    struct xf_node *made;
};

struct gen {
    struct xf_session *s;
    struct gen_item *items;
    size_t n;
    atomic_size_t next;
};

#define GEN_BATCH 256

static void *gen_worker(void *arg)
{
    struct gen *g = arg;
    struct xf_arena keep, tmp;
    xf_arena_init(&keep);
    xf_arena_init(&tmp);
    struct xf_arena_mark empty;
    xf_arena_mark(&tmp, &empty);
    for (;;) {
        size_t from = atomic_fetch_add(&g->next, GEN_BATCH);
        if (from >= g->n)
            break;
        size_t to = from + GEN_BATCH < g->n ? from + GEN_BATCH : g->n;
        for (size_t i = from; i < to; i++) {
            g->items[i].made = make_test(g->s, &keep, &tmp, g->items[i].target, g->items[i].d);
            xf_arena_reset(&tmp, &empty);
        }
    }
    xf_arena_release(&tmp);
    pthread_mutex_lock(&g->s->lock);
    xf_vec_push(&g->s->keeps, keep);
    pthread_mutex_unlock(&g->s->lock);
    return NULL;
}

int xf_tests_generate(struct xf_session *s)
{
    struct xf_project *p = s->p;
    struct gen g = {.s = s};
    size_t cap = 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t count = pass ? p->sources.n : p->nodes.n;
        for (size_t i = 0; i < count; i++) {
            struct xf_node *n = pass ? p->sources.v[i] : p->nodes.v[i];
            for (size_t k = 0; k < n->tests.n; k++) {
                if (g.n == cap) {
                    cap = cap ? cap * 2 : 1024;
                    g.items = xf_realloc(g.items, cap * sizeof *g.items);
                }
                g.items[g.n++] = (struct gen_item){n, &n->tests.v[k], NULL};
            }
        }
    }
    atomic_init(&g.next, 0);
    xf_on_every_core(g.n / GEN_BATCH, gen_worker, &g);
    for (size_t i = 0; i < g.n; i++) {
        struct xf_node *n = g.items[i].made;
        n->index = (uint32_t)p->nodes.n;
        xf_avec_push(&p->arena, &p->nodes, n);
        xf_map_put(&p->by_unique_id, xf_str_c(n->unique_id), n);
    }
    free(g.items);
    return 0;
}

/* True when a string argument is a ref()/source() expression, not a literal. */
static bool is_relation_expr(struct xf_str v)
{
    v = xf_str_trim(v);
    return (xf_str_starts(v, "ref(") || xf_str_starts(v, "source(") || xf_str_starts(v, "ref (") ||
            xf_str_starts(v, "source (")) &&
           v.len && v.p[v.len - 1] == ')';
}

/* Evaluates an argument: ref()/source() expressions and Jinja strings render. */
static int eval_arg(struct xf_value *out, struct xf_rctx *rc, const struct xf_value *v,
                    struct xf_loc loc)
{
    if (v->t != XF_V_STR || (!is_relation_expr(v->u.s) && !memmem(v->u.s.p, v->u.s.len, "{{", 2))) {
        /*
         * A list or dict from the YAML is fresh per render, as in dbt: a test
         * macro that appends to its argument must not change the next render
         * (nor leave it pointing into this render's scratch arena).
         */
        *out = v->t == XF_V_LIST || v->t == XF_V_DICT ? xf_value_copy(rc->arena, v) : *v;
        return 0;
    }
    struct xf_arena *a = rc->arena;
    /* The source outlives the render: its diagnostics are printed after the
     * scratch arena is gone (a parse-mode render keeps them for later). */
    struct xf_arena *ka = rc->keep ? rc->keep : a;
    struct xf_source *src = XF_ANEW(ka, struct xf_source);
    src->path = loc.src ? loc.src->path : "<test argument>";
    struct xf_buf text = XF_BUF_INIT;
    bool expr = is_relation_expr(v->u.s);
    if (expr)
        xf_buf_addf(&text, "{{ return(%.*s) }}", XF_STR_ARG(v->u.s));
    else
        xf_buf_addstr(&text, v->u.s);
    src->text = xf_arena_strndup(ka, text.ptr, text.len);
    src->len = text.len;
    xf_buf_release(&text);
    const struct xf_tmpl *t;
    struct xf_render_env env;
    xf_context_env(&env, rc);
    if (xf_tmpl_parse(&t, a, src, 0, src->len, env.diags) < 0)
        return -1;
    struct xf_buf outb = XF_BUF_INIT;
    struct xf_value rv;
    int e = xf_render_value(&rv, &outb, t, &env);
    if (!e) {
        if (rv.t != XF_V_UNDEF)
            *out = rv;
        else
            *out = xf_v_str((struct xf_str){xf_arena_strndup(a, outb.ptr, outb.len), outb.len});
    }
    xf_buf_release(&outb);
    return e;
}

int xf_tests_parse_args(struct xf_session *s, struct xf_node *n, struct xf_arena *scratch,
                        struct xf_arena *keep, struct xf_diags *diags, struct xf_precs_rec *rec)
{
    const struct xf_test_decl *d = n->decl;
    if (!d)
        return 0;
    /*
     * Parse mode, as dbt: render the test macro once, so that ref()s in its
     * arguments become dependencies and config() calls inside the macro
     * (dbt_utils' fail_calc) configure the test.
     */
    struct xf_rctx rc = {
        .s = s, .node = n, .execute = false, .arena = scratch, .keep = keep, .diags = diags,
        .rec = rec};
    struct xf_buf out = XF_BUF_INIT;
    int e = xf_tests_render(s, &rc, &out);
    xf_buf_release(&out);
    return e;
}

int xf_tests_render(struct xf_session *s, struct xf_rctx *rc, struct xf_buf *out)
{
    struct xf_node *n = rc->node;
    const struct xf_test_decl *d = n->decl;
    struct xf_arena *a = rc->arena;
    const char *ns, *tname;
    size_t nslen;
    split_test_name(d->test_name, &ns, &nslen, &tname);
    char *mname = xf_arena_printf(a, "test_%s", tname);
    const struct xf_value *m = NULL;
    const struct xf_dict *g = xf_session_globals(s, n->package);
    if (ns) {
        const struct xf_value *nsd = xf_dict_get(g, (struct xf_str){ns, nslen});
        if (nsd && nsd->t == XF_V_DICT)
            m = xf_dict_getc(nsd->u.d, mname);
    }
    if (!m)
        m = xf_dict_getc(g, mname);
    if (!m || m->t != XF_V_FUNC) {
        /* did you mean: the tests this package sees (test_<name> functions) */
        const char **names = xf_arena_alloc(a, (g->n + 1) * sizeof *names);
        size_t nn = 0;
        for (size_t i = 0; i < g->n; i++) {
            const struct xf_dict_ent *e = &g->ents[i];
            if (e->val.t == XF_V_FUNC && e->key.len > 5 && !strncmp(e->key.p, "test_", 5))
                names[nn++] = xf_arena_strndup(a, e->key.p + 5, e->key.len - 5);
        }
        const char *sug = xf_str_suggest(xf_str_c(tname), names, nn);
        struct xf_diag *dg =
            xf_diag_add(rc->diags ? rc->diags : s->diags, XF_SEV_ERROR, d->loc,
                        "unknown test '%s': no {%% test %s %%} macro was found%s%s%s", d->test_name,
                        tname, sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
        xf_diag_hint(dg, "built-in tests are not_null, unique, accepted_values, relationships "
                         "and the dbt_utils ones; custom ones go in macros/ or tests/generic/");
        return -1;
    }
    struct xf_render_env env;
    xf_context_env(&env, rc);
    env.call_loc = d->loc; /* wrong arguments point at the YAML test */
    /* model: the tested relation, narrowed by `where` like dbt's get_where_subquery. */
    struct xf_node *t = n->attached;
    struct xf_value model;
    if (t->type == XF_RES_MODEL && t->mat == XF_MAT_EPHEMERAL) {
        /* Tests on an ephemeral model select from its CTE. */
        struct xf_render_env cenv;
        xf_context_env(&cenv, rc);
        const struct xf_tmpl *tt;
        static const struct xf_source cte_src = {"<ephemeral>", "{{ ref(name) }}", 15};
        if (xf_tmpl_parse(&tt, a, &cte_src, 0, cte_src.len, rc->diags ? rc->diags : s->diags) < 0)
            return -1;
        struct xf_dict *loc = (struct xf_dict *)cenv.locals;
        xf_dict_set(a, loc, XF_STR("name"), xf_v_strc(t->name));
        struct xf_buf tmp = XF_BUF_INIT;
        int e = xf_render_template(&tmp, tt, &cenv);
        /* The CTE as a relation (is_cte), as dbt passes it to test macros. */
        model = xf_relation_cte(s, a, xf_arena_strndup(a, tmp.ptr, tmp.len));
        xf_buf_release(&tmp);
        if (e < 0)
            return -1;
    } else {
        /* In parse mode relations are not named yet: the name stands in. */
        const char *id = t->type == XF_RES_SOURCE ? t->identifier : t->alias;
        model = xf_relation_value(s, a, t->database, t->schema, id ? id : t->name);
    }
    const char *where = xf_node_config_str(n, "where", NULL);
    if (where) {
        struct xf_buf b = XF_BUF_INIT;
        xf_buf_adds(&b, "(select * from ");
        xf_value_str(&b, &model);
        xf_buf_addf(&b, " where %s) dbt_subquery", where);
        model = xf_v_str((struct xf_str){xf_arena_strndup(a, b.ptr, b.len), b.len});
        xf_buf_release(&b);
    }
    size_t cap = (d->kwargs.t == XF_V_DICT ? d->kwargs.u.d->n : 0) + 2;
    struct xf_str *names = XF_ANEWN(a, struct xf_str, cap);
    struct xf_value *vals = XF_ANEWN(a, struct xf_value, cap);
    size_t nk = 0;
    names[nk] = XF_STR("model");
    vals[nk++] = model;
    if (d->column) {
        names[nk] = XF_STR("column_name");
        vals[nk++] = xf_v_strc(d->column);
    }
    if (d->kwargs.t == XF_V_DICT) {
        for (size_t i = 0; i < d->kwargs.u.d->n; i++) {
            const struct xf_dict_ent *e = &d->kwargs.u.d->ents[i];
            /* A column's own name wins; a model-level test may pass column_name. */
            if (is_config_arg(e->key) || xf_str_eqc(e->key, "name") ||
                xf_str_eqc(e->key, "config") || (d->column && xf_str_eqc(e->key, "column_name")))
                continue;
            if (eval_arg(&vals[nk], rc, &e->val, d->loc) < 0)
                return -1;
            names[nk++] = e->key;
        }
    }
    struct xf_args args = {NULL, 0, names, vals, nk, NULL};
    struct xf_value v;
    if (xf_call_value(&v, m, &args, &env) < 0)
        return -1;
    xf_value_str(out, &v);
    return 0;
}
