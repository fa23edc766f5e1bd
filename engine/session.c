// SPDX-License-Identifier: MIT
/*
 * A session: load the project, build the template globals (builtins, dbt
 * natives, macros), render every node once in parse mode to collect
 * ref/source/config, name every relation, build the graph.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/builtin_macros.h"
#include "engine/internal.h"
#include "engine/snapshot_macros.h"
#include "util/hash.h"

static void make_ids(struct xf_session *s)
{
    xf_uuid4(s->invocation_id);
    s->started = xf_now();
    time_t t = (time_t)s->started;
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(s->generated_at, sizeof s->generated_at, "%s.%06dZ", buf,
             (int)((s->started - (double)t) * 1e6));
    s->inv.invocation_id = s->invocation_id;
    s->inv.generated_at = s->generated_at;
}

/* Parses one built-in macro file into namespace `ns` (and the globals). */
static int add_builtin(struct xf_session *s, const char *path, const char *text, const char *ns,
                       struct xf_dict *nsd, bool global)
{
    struct xf_arena *a = &s->arena;
    struct xf_source *src = XF_ANEW(a, struct xf_source);
    src->path = path;
    src->text = text;
    src->len = strlen(text);
    const struct xf_tmpl *t;
    if (xf_tmpl_parse(&t, a, src, 0, src->len, s->diags) < 0)
        return -1;
    const struct xf_block *blocks;
    size_t nb = xf_tmpl_blocks(t, &blocks);
    for (size_t i = 0; i < nb; i++) {
        if (blocks[i].kind != XF_BLOCK_MACRO && blocks[i].kind != XF_BLOCK_TEST)
            continue;
        /* Test blocks are already named test_<name> by the engine. */
        struct xf_str name = blocks[i].name;
        struct xf_value m = xf_macro_value(a, blocks[i].macro, ns);
        xf_dict_set(a, nsd, name, m);
        if (global)
            xf_dict_set(a, s->globals.u.d, name, m);
    }
    return 0;
}

/*
 * Macro namespaces as dbt's: the built-in ones (`dbt`, global), the root
 * project's (global too: they override built-ins of the same name, and
 * under its own name), and one per installed package under the package's
 * name. A package's macros are not global: its nodes and its macros see
 * them first (pkg_globals / package_scope). The built-in dbt_utils copy
 * serves only projects that have no dbt_utils package installed.
 */
static int add_macros(struct xf_session *s)
{
    struct xf_arena *a = &s->arena;
    struct xf_dict *g = s->globals.u.d;
    struct xf_project *p = s->p;
    struct xf_value dbtns = xf_v_dict(a, 64);
    struct xf_value utilsns = xf_v_dict(a, 16);
    struct xf_value projns = xf_v_dict(a, 64);
    bool have_utils = xf_project_package(p, "dbt_utils") != NULL;
    /* the materializations' helpers first: a built-in of the same name replaces one */
    if (add_builtin(s, "<materialization macros>", xf_custom_mat_macros_sql, "dbt", dbtns.u.d,
                    true) < 0 ||
        add_builtin(s, "<builtin macros>", xf_builtin_macros_sql, "dbt", dbtns.u.d, true) < 0 ||
        add_builtin(s, "<builtin snapshot macros>", xf_snapshot_macros_sql, "dbt", dbtns.u.d,
                    true) < 0 ||
        /* the adapter's <adapter>__X macros join the dbt namespace */
        (s->ops->macros_sql && add_builtin(s, "<adapter macros>", s->ops->macros_sql, "dbt",
                                           dbtns.u.d, true) < 0) ||
        (!have_utils && add_builtin(s, "<builtin dbt_utils>", xf_builtin_dbt_utils_sql, "dbt_utils",
                                    utilsns.u.d, false) < 0))
        return -1;
    for (size_t i = 0; i < p->packages.n; i++)
        xf_map_put(&s->pkg_macros, xf_str_c(p->packages.v[i]->name), xf_v_dict(a, 16).u.d);
    for (size_t i = 0; i < p->macros.n; i++) {
        const struct xf_macro_def *d = p->macros.v[i];
        struct xf_value m = xf_macro_value(a, d->block->macro, d->package);
        struct xf_dict *pd = xf_map_getc(&s->pkg_macros, d->package);
        if (pd) {
            xf_dict_set(a, pd, xf_str_c(d->name), m);
            continue;
        }
        xf_dict_set(a, projns.u.d, xf_str_c(d->name), m);
        xf_dict_set(a, g, xf_str_c(d->name), m);
    }
    xf_dict_set(a, g, XF_STR("dbt"), dbtns);
    if (!have_utils)
        xf_dict_set(a, g, XF_STR("dbt_utils"), utilsns);
    xf_dict_set(a, g, xf_str_c(p->name), projns);
    for (size_t i = 0; i < p->packages.n; i++) {
        const char *name = p->packages.v[i]->name;
        struct xf_dict *pd = xf_map_getc(&s->pkg_macros, name);
        xf_dict_set(a, g, xf_str_c(name), (struct xf_value){.t = XF_V_DICT, .u.d = pd});
    }
    /* A package node's globals: everything global, then its own macros. */
    for (size_t i = 0; i < p->packages.n; i++) {
        const char *name = p->packages.v[i]->name;
        const struct xf_dict *pd = xf_map_getc(&s->pkg_macros, name);
        struct xf_value pg = xf_v_dict(a, g->n + pd->n);
        for (size_t k = 0; k < g->n; k++)
            xf_dict_set(a, pg.u.d, g->ents[k].key, g->ents[k].val);
        for (size_t k = 0; k < pd->n; k++)
            xf_dict_set(a, pg.u.d, pd->ents[k].key, pd->ents[k].val);
        xf_map_put(&s->pkg_globals, xf_str_c(name), pg.u.d);
    }
    s->macro_overrides = projns;
    return 0;
}

/* Calls a naming macro (generate_schema_name ...) when the project overrides it. */
static int call_naming(struct xf_session *s, struct xf_arena *scratch, struct xf_node *n,
                       const char *macro, const char *custom, const char **out)
{
    const struct xf_value *m = xf_dict_getc(s->macro_overrides.u.d, macro);
    if (!m)
        return 1;
    struct xf_rctx rc = {.s = s, .node = n, .execute = false, .conn = NULL, .arena = scratch};
    struct xf_render_env env;
    xf_context_env(&env, &rc);
    struct xf_value args[2];
    args[0] = custom ? xf_v_strc(custom) : xf_v_none();
    struct xf_value nodev = xf_v_dict(scratch, 4);
    xf_dict_set(scratch, nodev.u.d, XF_STR("name"), xf_v_strc(n->name));
    xf_dict_set(scratch, nodev.u.d, XF_STR("unique_id"), xf_v_strc(n->unique_id));
    xf_dict_set(scratch, nodev.u.d, XF_STR("resource_type"), xf_v_strc(xf_resource_name(n->type)));
    xf_dict_set(scratch, nodev.u.d, XF_STR("fqn"), n->fqn);
    xf_dict_set(scratch, nodev.u.d, XF_STR("version"),
                n->version ? xf_v_strc(n->version) : xf_v_none());
    xf_dict_set(scratch, nodev.u.d, XF_STR("config"), n->config);
    xf_dict_set(scratch, nodev.u.d, XF_STR("original_file_path"),
                xf_v_strc(n->original_file_path ? n->original_file_path : ""));
    args[1] = nodev;
    struct xf_args a = {args, 2, NULL, NULL, 0, NULL};
    struct xf_value v;
    if (xf_call_value(&v, m, &a, &env) < 0)
        return -1;
    struct xf_buf b = XF_BUF_INIT;
    xf_value_str(&b, &v);
    *out = xf_arena_strdups(&s->p->arena, xf_str_trim(xf_buf_str(&b)));
    xf_buf_release(&b);
    return 0;
}

/*
 * The file a schema lives in (SQLite), once per schema: the adapter asks
 * realpath() (a getcwd and a walk of the folders), and 40,000 nodes in a
 * handful of schemas asked it 40,000 times. Misses are remembered too.
 */
static const char *schema_file(struct xf_session *s, struct xf_map *memo, const char *schema)
{
    bool found;
    void **slot = xf_map_slot(memo, xf_str_c(schema), &found);
    if (found)
        return *slot == memo ? NULL : *slot;
    struct xf_buf b = XF_BUF_INIT;
    const char *file = NULL;
    if (s->ops->schema_file(&s->p->target, schema, &b) == 0)
        file = xf_arena_strndup(&s->p->arena, b.ptr, b.len);
    xf_buf_release(&b);
    *slot = file ? (void *)file : (void *)memo; /* memo itself stands for "no file" */
    return file;
}

/* database / schema / alias / relation_name for a node, as dbt names them. */
static int name_relation(struct xf_session *s, struct xf_arena *scratch, struct xf_map *memo,
                         struct xf_node *n)
{
    struct xf_project *p = s->p;
    const char *custom = xf_node_config_str(n, "schema", NULL);
    if (n->type == XF_RES_SNAPSHOT) {
        const char *ts = xf_node_config_str(n, "target_schema", NULL);
        if (ts)
            custom = NULL, n->schema = ts;
    }
    if (!n->schema) {
        int r = call_naming(s, scratch, n, "generate_schema_name", custom, &n->schema);
        if (r < 0)
            return -1;
        if (r > 0)
            n->schema = !custom ? p->target.schema
                                : xf_arena_printf(&p->arena, "%s_%s", p->target.schema, custom);
    }
    if (!xf_schema_name_ok(n->schema)) {
        struct xf_diag *g =
            xf_diag_add(s->diags, XF_SEV_ERROR,
                        n->src    ? (struct xf_loc){n->src, 0, 0}
                        : n->decl ? n->decl->loc
                                  : XF_NOLOC,
                        "invalid schema name '%s' for %s '%s': " XF_SCHEMA_NAME_RULE, n->schema,
                        xf_resource_name(n->type), n->name);
        xf_diag_hint(g, "check its schema config (or target_schema) and generate_schema_name");
        return -1;
    }
    const char *alias = xf_node_config_str(n, "alias", NULL);
    int r = call_naming(s, scratch, n, "generate_alias_name", alias, &n->alias);
    if (r < 0)
        return -1;
    if (r > 0 && !alias && n->version) { /* dbt: a version's relation is <name>_v<v> */
        char *a = xf_arena_printf(&s->p->arena, "%s_v%s", n->name, n->version);
        for (char *q = a + strlen(n->name); *q; q++)
            if (*q == '.')
                *q = '_';
        n->alias = a;
    } else if (r > 0) {
        n->alias = alias ? alias : n->name;
    }
    const char *db = xf_node_config_str(n, "database", NULL);
    /* a snapshot's target_database is taken as is, as its target_schema */
    const char *tdb =
        n->type == XF_RES_SNAPSHOT ? xf_node_config_str(n, "target_database", NULL) : NULL;
    r = tdb ? 1 : call_naming(s, scratch, n, "generate_database_name", db, &n->database);
    if (r < 0)
        return -1;
    if (r > 0)
        n->database = tdb ? tdb : db ? db : s->ops->database_names ? p->target.database : NULL;
    if (n->database && !*n->database)
        n->database = NULL;
    struct xf_relation rel = {n->database, n->schema, n->alias};
    if (s->ops->schema_file)
        n->database_file = schema_file(s, memo, n->schema);
    struct xf_buf b = XF_BUF_INIT;
    s->ops->render_relation(&b, &rel);
    n->relation_name = xf_arena_strndup(&p->arena, b.ptr, b.len);
    xf_buf_release(&b);
    return 0;
}

static bool renders_sql(const struct xf_node *n)
{
    return n->tmpl && (n->type == XF_RES_MODEL || n->type == XF_RES_TEST ||
                       n->type == XF_RES_SNAPSHOT || n->type == XF_RES_ANALYSIS);
}

/*
 * Parse mode: render once to collect refs, sources and config() calls.
 * The renders are independent (each writes only its own node), so they run
 * on every core: each thread keeps what it records in its own arena (kept
 * for the session), and each node's diagnostics are set aside and reported
 * in node order afterwards, so the output does not depend on the threads.
 * Generic tests go second: they read the config of the node they test,
 * which that node's own render may still be changing.
 */
struct prender {
    struct xf_session *s;
    bool tests; /* this pass renders the generic tests (else everything else) */
    atomic_size_t next;
    struct xf_diags **said; /* per node: its diagnostics, when there are any */
    atomic_int err;
};

#define PARSE_BATCH 64

static void parse_one(struct prender *pr, size_t i, struct xf_arena *keep, struct xf_arena *tmp,
                      struct xf_buf *out)
{
    struct xf_session *s = pr->s;
    struct xf_node *n = s->p->nodes.v[i];
    if (!n->decl != !pr->tests || (!n->decl && (!renders_sql(n) || xf_tmpl_is_plain(n->tmpl))))
        return;
    /* what an earlier load's render of the same node did, in place of rendering it */
    if (xf_precs_replay(s, n, keep))
        return;
    struct xf_diags local;
    xf_diags_init(&local);
    struct xf_precs_rec rec = {XF_BUF_INIT, false};
    struct xf_precs_rec *recp = s->precs ? &rec : NULL;
    /* the thread's scratch arena, emptied after each render: its chunk is
     * reused, not malloc'd and freed 40,000 times */
    struct xf_arena_mark empty;
    xf_arena_mark(tmp, &empty);
    int e;
    if (n->decl) {
        e = xf_tests_parse_args(s, n, tmp, keep, &local, recp);
    } else {
        struct xf_rctx rc = {.s = s,
                             .node = n,
                             .execute = false,
                             .arena = tmp,
                             .keep = keep,
                             .diags = &local,
                             .rec = recp};
        struct xf_render_env env;
        xf_context_env(&env, &rc);
        xf_buf_reset(out);
        e = xf_render_template(out, n->tmpl, &env);
    }
    xf_arena_reset(tmp, &empty);
    if (e == 0 && !local.head && recp)
        xf_precs_keep(s, n, recp); /* a render that said something renders (and says it) again */
    xf_buf_release(&rec.b);
    if (e < 0)
        atomic_store(&pr->err, -1);
    if (local.head) {
        pr->said[i] = xf_malloc(sizeof *pr->said[i]);
        xf_diags_init(pr->said[i]);
        xf_diags_move(pr->said[i], &local);
    }
    xf_diags_release(&local);
}

static void *parse_worker(void *arg)
{
    struct prender *pr = arg;
    size_t total = pr->s->p->nodes.n;
    struct xf_arena keep, tmp;
    xf_arena_init(&keep);
    xf_arena_init(&tmp);
    struct xf_buf out = XF_BUF_INIT;
    for (;;) {
        size_t from = atomic_fetch_add(&pr->next, PARSE_BATCH);
        if (from >= total)
            break;
        size_t to = from + PARSE_BATCH < total ? from + PARSE_BATCH : total;
        for (size_t i = from; i < to; i++)
            parse_one(pr, i, &keep, &tmp, &out);
    }
    xf_arena_release(&tmp);
    xf_buf_release(&out);
    pthread_mutex_lock(&pr->s->lock);
    xf_vec_push(&pr->s->keeps, keep);
    pthread_mutex_unlock(&pr->s->lock);
    return NULL;
}

static void parse_pass(struct prender *pr)
{
    atomic_store(&pr->next, 0);
    xf_on_every_core(pr->s->p->nodes.n / PARSE_BATCH, parse_worker, pr);
}

static int parse_render(struct xf_session *s)
{
    size_t total = s->p->nodes.n;
    struct prender pr = {.s = s, .said = xf_calloc(total + 1, sizeof *pr.said)};
    atomic_init(&pr.next, 0);
    atomic_init(&pr.err, 0);
    parse_pass(&pr);
    pr.tests = true;
    parse_pass(&pr);
    for (size_t i = 0; i < total; i++) {
        if (pr.said[i]) {
            xf_diags_move(s->diags, pr.said[i]);
            xf_diags_release(pr.said[i]);
            free(pr.said[i]);
        }
    }
    free(pr.said);
    return atomic_load(&pr.err);
}

/* Renders a description that holds Jinja ({{ doc("x") }}); NULL when plain. */
static int render_text(struct xf_session *s, struct xf_node *n, const char *text, struct xf_loc loc,
                       const char **out)
{
    if (!text || !strstr(text, "{{"))
        return 0;
    struct xf_arena scratch;
    xf_arena_init(&scratch);
    /* in the project's arena: diagnostics point at it after scratch is gone */
    struct xf_source *src = XF_ANEW(&s->p->arena, struct xf_source);
    /* Errors point into the YAML file when we know where the text is. */
    src->path = loc.src ? loc.src->path : (n->original_file_path ? n->original_file_path : "?");
    src->text = text;
    src->len = strlen(text);
    const struct xf_tmpl *t;
    struct xf_rctx rc = {.s = s, .node = n, .execute = false, .arena = &scratch};
    struct xf_render_env env;
    xf_context_env(&env, &rc);
    struct xf_buf b = XF_BUF_INIT;
    int e = xf_tmpl_parse(&t, &scratch, src, 0, src->len, s->diags);
    if (!e)
        e = xf_render_template(&b, t, &env);
    if (!e)
        *out = xf_arena_strndup(&s->p->arena, b.ptr, b.len);
    xf_buf_release(&b);
    xf_arena_release(&scratch);
    return e;
}

/* Descriptions of nodes, columns and sources, rendered once. */
static int render_descriptions(struct xf_session *s)
{
    int err = 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t count = pass ? s->p->sources.n : s->p->nodes.n;
        for (size_t i = 0; i < count; i++) {
            struct xf_node *n = pass ? s->p->sources.v[i] : s->p->nodes.v[i];
            if (render_text(s, n, n->description, n->description_loc, &n->description) < 0)
                err = -1;
            if (render_text(s, n, n->source_description, n->description_loc,
                            &n->source_description) < 0)
                err = -1;
            for (size_t k = 0; k < n->columns.n; k++) {
                struct xf_column *c = &n->columns.v[k];
                if (render_text(s, n, c->description, c->loc, &c->description) < 0)
                    err = -1;
            }
        }
    }
    return err;
}

/* word_loc as a callback: only asked when there is something to say (it reads files) */
struct config_at {
    const struct xf_project *p;
    const struct xf_node *n;
};

static struct xf_loc config_at(void *user, const char *key)
{
    const struct config_at *c = user;
    return xf_config_word_loc(c->p, c->n, key);
}

static struct xf_loc materialized_loc(const struct xf_project *p, const struct xf_node *n)
{
    return xf_config_word_loc(p, n, n->mat_name);
}

/* The adapter of a {% materialization name %} block for another adapter, or NULL. */
static const char *other_adapter(const struct xf_project *p, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < p->macros.n; i++) {
        const char *m = p->macros.v[i]->name;
        if (!strncmp(m, "materialization_", 16) && !strncmp(m + 16, name, len) &&
            m[16 + len] == '_' && !strchr(m + 17 + len, '_'))
            return m + 17 + len;
    }
    return NULL;
}

/* Each node's materialization, once, now that config() calls are in. */
static int set_materializations(struct xf_session *s, struct xf_diags *d)
{
    int err = 0;
    struct xf_loc reported[64];
    size_t nreported = 0;
    static const struct {
        const char *word;
        enum xf_mat mat;
    } words[] = {
        {"view", XF_MAT_VIEW},
        {"table", XF_MAT_TABLE},
        {"incremental", XF_MAT_INCREMENTAL},
        {"ephemeral", XF_MAT_EPHEMERAL},
        {"seed", XF_MAT_SEED},
        {"snapshot", XF_MAT_SNAPSHOT},
        {"test", XF_MAT_TEST},
    };
    /* {% materialization %} blocks for this adapter: none in most projects */
    struct xf_arena na;
    xf_arena_init(&na);
    const char **custom = xf_custom_mat_names(s->p, s->ops->name, &na);
    if (custom[0] && xf_custom_mat_check(s->p, d) < 0)
        err = -1;
    for (size_t i = 0; i < s->p->nodes.n; i++) {
        struct xf_node *n = s->p->nodes.v[i];
        n->mat_name = xf_node_config_str(n, "materialized", "view");
        n->mat = XF_MAT_OTHER;
        n->mat_macro = NULL;
        struct config_at cat = {s->p, n};
        if (xf_node_config_bool(n, "enabled", true) && xf_extras_check(d, n, config_at, &cat) < 0)
            err = -1;
        for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) {
            if (!strcmp(n->mat_name, words[k].word))
                n->mat = words[k].mat;
        }
        /* the block that builds it: a custom one, or the root project's
         * override of a built-in model materialization */
        bool defined = false;
        for (size_t k = 0; custom[k] && !defined; k++)
            defined = !strcmp(custom[k], n->mat_name);
        if (defined && n->type == XF_RES_MODEL && n->mat != XF_MAT_EPHEMERAL)
            n->mat_macro =
                xf_custom_mat_find(s->p, s->ops->name, n->mat_name, n->mat != XF_MAT_OTHER);
        /*
         * A model's materialization no one defines is a load error (exit 2,
         * nothing run); dbt's materialized_view is known, but on an adapter
         * without materialized views it is a load error too.
         */
        if (n->mat == XF_MAT_OTHER && n->type == XF_RES_MODEL && !n->mat_macro &&
            !strcmp(n->mat_name, "materialized_view") && !s->ops->materialized_view &&
            xf_node_config_bool(n, "enabled", true)) {
            err = xf_matview_unsupported(s, d, n, materialized_loc(s->p, n));
            continue;
        }
        if (n->mat != XF_MAT_OTHER || n->type != XF_RES_MODEL || n->mat_macro ||
            !xf_node_config_bool(n, "enabled", true) || !strcmp(n->mat_name, "materialized_view"))
            continue;
        const char *known[64] = {"view", "table", "incremental", "ephemeral", "materialized_view"};
        size_t nknown = 5;
        for (size_t k = 0; custom[k] && nknown < 64; k++)
            known[nknown++] = custom[k];
        struct xf_loc at = materialized_loc(s->p, n);
        bool seen = false; /* one typo in dbt_project.yml: one error, not one per model */
        for (size_t k = 0; k < nreported && !seen; k++)
            seen = reported[k].src == at.src && reported[k].off == at.off && at.len;
        err = -1;
        if (seen)
            continue;
        if (nreported < sizeof reported / sizeof reported[0])
            reported[nreported++] = at;
        const char *sug = xf_str_suggest(xf_str_c(n->mat_name), known, nknown);
        struct xf_diag *g = xf_diag_add(
            d, XF_SEV_ERROR, at, "unknown materialization '%s' for model '%s'%s%s%s", n->mat_name,
            n->name, sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
        const char *elsewhere = other_adapter(s->p, n->mat_name);
        if (elsewhere)
            xf_diag_hint(g,
                         "materialization '%s' is defined for adapter '%s' only and this "
                         "target's adapter is '%s': add a block with adapter='%s' or default",
                         n->mat_name, elsewhere, s->ops->name, s->ops->name);
        else
            xf_diag_hint(g,
                         "xform builds view, table, incremental and ephemeral models; another "
                         "name needs a {%% materialization %s, default %%} block in macros/",
                         n->mat_name);
    }
    xf_arena_release(&na);
    return err;
}

static void index_names(struct xf_session *s)
{
    for (size_t i = 0; i < s->p->nodes.n; i++) {
        struct xf_node *n = s->p->nodes.v[i];
        /* a versioned model's name stands for its latest version, as ref('m') */
        bool latest = !n->version || !n->latest_version || !strcmp(n->version, n->latest_version);
        if ((n->type == XF_RES_MODEL || n->type == XF_RES_SEED || n->type == XF_RES_SNAPSHOT) &&
            latest)
            xf_map_put(&s->refable, xf_str_c(n->name), n);
    }
    for (size_t i = 0; i < s->p->docs.n; i++)
        xf_map_put(&s->docs, xf_str_c(s->p->docs.v[i]->name), s->p->docs.v[i]);
}

/* Render declaration prototype: defined with the descriptions below. */
static int render_text(struct xf_session *s, struct xf_node *n, const char *text, struct xf_loc loc,
                       const char **out);

/* Sources: their properties may hold Jinja ({{ var('x') }}), then names. */
static int name_sources(struct xf_session *s)
{
    int err = 0;
    for (size_t i = 0; i < s->p->sources.n; i++) {
        struct xf_node *n = s->p->sources.v[i];
        const char **fields[] = {&n->schema, &n->identifier, &n->database, &n->loaded_at_field};
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
            if (render_text(s, n, *fields[f], n->props_loc, fields[f]) < 0)
                err = -1;
        }
        if (!n->schema)
            n->schema = n->source_name;
        if ((!n->database || !*n->database) && s->ops->database_names)
            n->database = s->p->target.database; /* dbt: a source's database is the target's */
        if (n->database && !*n->database)
            n->database = NULL;
        if (!n->identifier)
            n->identifier = n->name;
        n->alias = n->identifier;
        struct xf_relation rel = {n->database, n->schema, n->identifier};
        struct xf_buf b = XF_BUF_INIT;
        s->ops->render_relation(&b, &rel);
        n->relation_name = xf_arena_strndup(&s->p->arena, b.ptr, b.len);
        xf_buf_release(&b);
    }
    return err;
}

int xf_session_open(struct xf_session **out, const struct xf_load_opts *lo, struct xf_diags *d)
{
    struct xf_session *s = xf_calloc(1, sizeof *s);
    *out = s;
    xf_arena_init(&s->arena);
    xf_map_init(&s->refable);
    xf_map_init(&s->docs);
    xf_map_init(&s->existing);
    xf_map_init(&s->pkg_macros);
    xf_map_init(&s->pkg_globals);
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->lazy_lock, NULL);
    xf_arena_init(&s->graph_arena);
    s->diags = d;
    s->which = lo->command ? xf_arena_strdup(&s->arena, lo->command) : NULL;
    s->empty = lo->empty;
    s->warn_error = lo->warn_error;
    s->warn_error_notes = lo->warn_error_notes;
    s->full_refresh = lo->full_refresh;
    xf_map_init_arena(&s->mb_retry, &s->arena);
    if (lo->event_time_start && lo->event_time_end &&
        xf_microbatch_parse_time(lo->event_time_start, &s->event_time_start) == 0 &&
        xf_microbatch_parse_time(lo->event_time_end, &s->event_time_end) == 0)
        s->has_event_time = true; /* checked by cmd/ before loading */
    make_ids(s);
    double t0 = xf_now();
    if (xf_project_load(&s->p, lo, d) < 0)
        return -1;
    double t1 = xf_now();
    s->t_load = t1 - t0;
    s->ops = xf_adapter_find(s->p->target.type);
    if (!s->ops) {
        return xf_error(d, XF_NOLOC, "no adapter for target type '%s'", s->p->target.type);
    }
    s->inv.adapter_type = s->ops->name;
    if (xf_context_init(s) < 0 || add_macros(s) < 0)
        return -1;
    if (xf_tests_generate(s) < 0)
        return -1;
    index_names(s);
    if (name_sources(s) < 0)
        return -1;
    xf_precs_open(s, lo);
    if (parse_render(s) < 0 || render_descriptions(s) < 0) {
        xf_precs_close(s, false);
        return -1;
    }
    if (set_materializations(s, d) < 0)
        return -1;
    if (xf_microbatch_check(s, d) < 0)
        return -1;
    xf_project_macro_deps(s->p);
    double t2 = xf_now();
    s->t_parse_render = t2 - t1;
    struct xf_arena scratch;
    xf_arena_init(&scratch);
    struct xf_map memo; /* schema -> its file (keys: the nodes' schema strings, kept) */
    xf_map_init_arena(&memo, &scratch);
    int err = 0;
    for (size_t i = 0; i < s->p->nodes.n && !err; i++)
        err = name_relation(s, &scratch, &memo, s->p->nodes.v[i]);
    xf_arena_release(&scratch);
    if (err < 0)
        return -1;
    if (xf_graph_build(&s->g, s->p, d) < 0 || xf_graph_check_access(&s->g, s->p, d) < 0)
        return -1;
    s->t_graph = xf_now() - t2;
    s->graph_ok = true;
    /* loaded with no error: the records of this load are the next one's */
    xf_precs_close(s, d->nerrors == 0);
    return 0;
}

void xf_session_free(struct xf_session *s)
{
    if (!s)
        return;
    xf_precs_close(s, false); /* a load that stopped between the parse render and the graph */
    /* Dict indexes are heap maps hung off arena dicts: free the big ones. */
    xf_map_release(&s->refable);
    xf_map_release(&s->docs);
    xf_map_release(&s->pkg_macros);
    xf_map_release(&s->pkg_globals);
    for (size_t i = 0; i < s->keeps.n; i++)
        xf_arena_release(&s->keeps.v[i]);
    xf_vec_release(&s->keeps);
    xf_map_release(&s->existing);
    xf_vec_release(&s->results);
    xf_vec_release(&s->conns);
    if (s->p)
        xf_project_free(s->p);
    xf_arena_release(&s->arena);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->lazy_lock);
    xf_arena_release(&s->graph_arena);
    free(s);
}

bool xf_session_precs(struct xf_session *s, size_t *reused, size_t *rendered, const char **why,
                      const char **off)
{
    *reused = s->precs_reused;
    *rendered = s->precs_rendered;
    *why = s->precs_why;
    *off = s->precs_off;
    return *reused || *rendered || *why || *off;
}

bool xf_session_asked_db(struct xf_session *s)
{
    return atomic_load(&s->asked_db);
}

struct xf_project *xf_session_project(struct xf_session *s)
{
    return s->p;
}

struct xf_graph *xf_session_graph(struct xf_session *s)
{
    return &s->g;
}

const struct xf_adapter_ops *xf_session_adapter(struct xf_session *s)
{
    return s->ops;
}

void xf_session_timings(struct xf_session *s, double out[5])
{
    out[0] = s->t_load;
    out[1] = s->t_parse_render;
    out[2] = s->t_graph;
    out[3] = atomic_load(&s->t_exec_render);
    out[4] = s->run_threads;
}

struct xf_invocation *xf_session_invocation(struct xf_session *s)
{
    return &s->inv;
}

static bool phase_wants(enum xf_phase ph, const struct xf_node *n)
{
    switch (ph) {
    case XF_PHASE_COMPILE:
        return n->type == XF_RES_MODEL || n->type == XF_RES_TEST || n->type == XF_RES_SNAPSHOT ||
               n->type == XF_RES_ANALYSIS;
    case XF_PHASE_RUN:
        return n->type == XF_RES_MODEL;
    case XF_PHASE_SEED:
        return n->type == XF_RES_SEED;
    case XF_PHASE_TEST:
        return n->type == XF_RES_TEST || n->type == XF_RES_UNIT_TEST;
    case XF_PHASE_SNAPSHOT:
        return n->type == XF_RES_SNAPSHOT;
    case XF_PHASE_BUILD:
        return n->type == XF_RES_MODEL || n->type == XF_RES_SEED || n->type == XF_RES_SNAPSHOT ||
               n->type == XF_RES_TEST || n->type == XF_RES_UNIT_TEST;
    }
    return false;
}

int xf_session_select(struct xf_session *s, const struct xf_run_opts *o, bool *out)
{
    /* test and build pull in the tests of what is selected, before the
     * exclusion, as dbt's default (eager) indirect selection does. */
    int e =
        (o->phase == XF_PHASE_TEST || o->phase == XF_PHASE_BUILD)
            ? xf_graph_select_tests(&s->g, o->select, o->nselect, o->exclude, o->nexclude,
                                    o->indirect, out, s->diags)
            : xf_graph_select(&s->g, o->select, o->nselect, o->exclude, o->nexclude, out, s->diags);
    if (e < 0)
        return -1;
    for (size_t i = 0; i < s->g.n; i++) {
        const struct xf_node *n = s->g.all[i];
        if (out[i] && (!phase_wants(o->phase, n) || s->g.disabled[i] ||
                       (o->types && !o->types[n->type]) ||
                       !xf_node_config_bool(n, "enabled", true)))
            out[i] = false;
        /* Ephemeral models are never built: they are inlined as CTEs. */
        if (out[i] && o->phase != XF_PHASE_COMPILE && n->type == XF_RES_MODEL &&
            n->mat == XF_MAT_EPHEMERAL)
            out[i] = false;
    }
    return 0;
}
