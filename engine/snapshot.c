// SPDX-License-Identifier: MIT
/*
 * Snapshots: type-2 slowly changing dimensions, as dbt builds them. The
 * SQL comes from macros with dbt's names (engine/snapshot_macros.c, a
 * project's own of the same name first, adapter variants through
 * adapter.dispatch); this file orders them in one transaction: the
 * strategy (snapshot_<strategy>_strategy), then on the first run
 * build_snapshot_table, on later ones snapshot_staging_table into a
 * staging table, new source columns added to the target, and
 * snapshot_merge_sql. A failure rolls everything back.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/internal.h"

struct snap {
    struct xf_session *s;
    struct xf_conn *c;
    struct xf_node *n;
    struct xf_arena *a;
    struct xf_buf *executed, *err;
    struct xf_relation target, stage;
    struct xf_rctx rc;
    struct xf_diags diags; /* the macros' errors, moved into err */
    struct xf_render_env env;
    struct xf_value model; /* the `model` dict the macros see */
};

static const char *const meta_names[] = {"dbt_valid_from", "dbt_valid_to", "dbt_scd_id",
                                         "dbt_updated_at", "dbt_is_deleted"};

static int run(struct snap *x, const char *sql)
{
    xf_buf_adds(x->executed, sql);
    xf_buf_adds(x->executed, ";\n");
    return x->c->ops->exec(x->c, sql, x->err);
}

/* The macros' diagnostics as the node's error: a built-in's only by its message. */
static int macro_failed(struct snap *x)
{
    for (struct xf_diag *g = x->diags.head; g; g = g->next) {
        if (g->sev != XF_SEV_ERROR)
            continue;
        if (x->err->len)
            xf_buf_addch(x->err, '\n');
        if (g->loc.src && g->loc.src->path && g->loc.src->path[0] == '<')
            xf_buf_adds(x->err, g->msg);
        else
            xf_diag_format(x->err, g, false);
    }
    if (!x->err->len)
        xf_buf_addf(x->err, "a snapshot macro of '%s' failed", x->n->name);
    return -1;
}

static const struct xf_value *find_macro(struct snap *x, const char *name)
{
    const struct xf_value *v = xf_dict_getc(x->env.globals, name);
    return v && v->t == XF_V_FUNC ? v : NULL;
}

/* Calls a macro by name with positional args; its text or return() value in *out. */
static int call(struct snap *x, const struct xf_value *fn, const struct xf_value *args,
                size_t nargs, struct xf_value *out)
{
    struct xf_args a = {.pos = args, .npos = nargs};
    *out = xf_v_none();
    if (xf_call_value(out, fn, &a, &x->env) < 0)
        return macro_failed(x);
    return 0;
}

static int call_named(struct snap *x, const char *name, const struct xf_value *args, size_t nargs,
                      struct xf_value *out)
{
    const struct xf_value *fn = find_macro(x, name);
    if (!fn) {
        xf_buf_addf(x->err, "snapshot '%s' needs the macro '%s', which is not defined", x->n->name,
                    name);
        return -1;
    }
    return call(x, fn, args, nargs, out);
}

/* The text a macro produced (its return value or its output). */
static const char *text_of(struct snap *x, const struct xf_value *v)
{
    if (v->t == XF_V_STR)
        return xf_arena_strndup(x->a, v->u.s.p, v->u.s.len);
    struct xf_buf b = XF_BUF_INIT;
    xf_value_str(&b, v);
    const char *s = xf_arena_strndup(x->a, b.ptr, b.len);
    xf_buf_release(&b);
    return s;
}

/* Creates rel from a select through get_create_table_as_sql, as every table is
 * created (overridable; each warehouse's own DDL). */
static int create_as(struct snap *x, const struct xf_relation *rel, const char *select)
{
    struct xf_value args[3] = {
        xf_v_bool(false), xf_relation_value(x->s, x->a, rel->database, rel->schema, rel->identifier),
        xf_v_strc(select)},
                    out;
    if (call_named(x, "get_create_table_as_sql", args, 3, &out) < 0)
        return -1;
    return run(x, text_of(x, &out));
}

/* snapshot_<name>_strategy: the project's, a package's (pkg.name) or the built-in. */
static const struct xf_value *strategy_macro(struct snap *x, const char *strat)
{
    const char *dot = strchr(strat, '.');
    if (!dot)
        return find_macro(x, xf_arena_printf(x->a, "snapshot_%s_strategy", strat));
    const char *pkg = xf_arena_strndup(x->a, strat, (size_t)(dot - strat));
    const struct xf_value *ns = xf_dict_getc(x->env.globals, pkg);
    if (!ns || ns->t != XF_V_DICT)
        return NULL;
    const struct xf_value *v =
        xf_dict_getc(ns->u.d, xf_arena_printf(x->a, "snapshot_%s_strategy", dot + 1));
    return v && v->t == XF_V_FUNC ? v : NULL;
}

/* The config checks that need no database: located messages in err. */
static int check_config(struct snap *x, const struct xf_value **strategy)
{
    struct xf_node *n = x->n;
    const char *strat = xf_node_config_str(n, "strategy", NULL);
    if (!strat) {
        xf_buf_addf(x->err,
                    "snapshot '%s' needs strategy 'timestamp' (with updated_at) or 'check' "
                    "(with check_cols)",
                    n->name);
        return -1;
    }
    if (!(*strategy = strategy_macro(x, strat))) {
        static const char *const known[] = {"timestamp", "check"};
        const char *sug = xf_str_suggest(xf_str_c(strat), known, 2);
        xf_buf_addf(x->err,
                    "unknown strategy '%s' for snapshot '%s'%s%s%s: use 'timestamp' or 'check', "
                    "or define a macro snapshot_%s_strategy",
                    strat, n->name, sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "",
                    strat);
        return -1;
    }
    const struct xf_value *k = xf_node_config(n, "unique_key");
    if (!k || (k->t != XF_V_STR && k->t != XF_V_LIST) || (k->t == XF_V_LIST && k->u.l->n == 0)) {
        xf_buf_addf(x->err, "snapshot '%s' needs a unique_key config", n->name);
        return -1;
    }
    if (!strcmp(strat, "timestamp") && !xf_node_config_str(n, "updated_at", NULL)) {
        xf_buf_addf(x->err,
                    "snapshot '%s' uses the timestamp strategy but has no updated_at config",
                    n->name);
        return -1;
    }
    const char *hd = xf_node_config_str(n, "hard_deletes", NULL);
    if (hd && strcmp(hd, "ignore") && strcmp(hd, "invalidate") && strcmp(hd, "new_record")) {
        xf_buf_addf(x->err,
                    "unknown hard_deletes '%s' for snapshot '%s': use ignore, invalidate or "
                    "new_record",
                    hd, n->name);
        return -1;
    }
    const struct xf_value *m = xf_node_config(n, "snapshot_meta_column_names");
    if (m && m->t != XF_V_NONE) {
        if (m->t != XF_V_DICT) {
            xf_buf_addf(x->err,
                        "snapshot_meta_column_names of snapshot '%s' must map dbt_valid_from, "
                        "dbt_valid_to, dbt_scd_id, dbt_updated_at or dbt_is_deleted to a name",
                        n->name);
            return -1;
        }
        for (size_t i = 0; i < m->u.d->n; i++) {
            struct xf_str key = m->u.d->ents[i].key;
            bool ok = false;
            for (size_t j = 0; j < 5; j++)
                ok = ok || xf_str_eqc(key, meta_names[j]);
            if (!ok) {
                const char *sug = xf_str_suggest(key, meta_names, 5);
                xf_buf_addf(
                    x->err,
                    "snapshot_meta_column_names of snapshot '%s' names unknown column '" XF_STR_FMT
                    "'%s%s%s: use dbt_valid_from, dbt_valid_to, dbt_scd_id, dbt_updated_at "
                    "or dbt_is_deleted",
                    n->name, XF_STR_ARG(key), sug ? " (did you mean '" : "", sug ? sug : "",
                    sug ? "'?)" : "");
                return -1;
            }
            if (m->u.d->ents[i].val.t != XF_V_STR) {
                xf_buf_addf(x->err,
                            "snapshot_meta_column_names of snapshot '%s': '" XF_STR_FMT
                            "' must be a column name",
                            n->name, XF_STR_ARG(key));
                return -1;
            }
        }
    }
    return 0;
}

static bool plain_name(const char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

/* Each unique_key that is a plain column name must be a column of the query. */
static int check_keys(struct snap *x, const struct xf_column_info *cols, size_t ncols)
{
    const struct xf_value *k = xf_node_config(x->n, "unique_key");
    size_t nk = k->t == XF_V_LIST ? k->u.l->n : 1;
    for (size_t i = 0; i < nk; i++) {
        const struct xf_value *v = k->t == XF_V_LIST ? &k->u.l->items[i] : k;
        if (v->t != XF_V_STR)
            continue;
        const char *key = xf_arena_strdups(x->a, xf_str_trim(v->u.s));
        if (!plain_name(key))
            continue; /* an expression, as dbt allows */
        bool found = false;
        for (size_t c = 0; c < ncols; c++)
            found = found || !strcasecmp(cols[c].name, key);
        if (!found) {
            xf_buf_addf(x->err, "unique_key '%s' of snapshot '%s' is not a column of its query",
                        key, x->n->name);
            return -1;
        }
    }
    return 0;
}

/* The staging table's own columns, which the snapshot table does not keep. */
static bool staging_only(const char *name)
{
    return !strcasecmp(name, "dbt_change_type") || !strncasecmp(name, "dbt_unique_key", 14);
}

static bool has_col(const struct xf_column_info *cols, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcasecmp(cols[i].name, name))
            return true;
    return false;
}

/* Later runs: stage the changes, add new source columns, merge. */
static int merge(struct snap *x, const struct xf_value *strategy, const char *sql)
{
    struct xf_value target =
        xf_relation_value(x->s, x->a, x->target.database, x->target.schema, x->target.identifier);
    struct xf_value stage =
        xf_relation_value(x->s, x->a, x->stage.database, x->stage.schema, x->stage.identifier);
    struct xf_value args[3] = {*strategy, xf_v_strc(sql), target}, out;
    if (call_named(x, "snapshot_staging_table", args, 3, &out) < 0)
        return -1;
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_adds(&b, "drop table if exists ");
    x->c->ops->render_relation(&b, &x->stage);
    int e = run(x, b.ptr);
    xf_buf_reset(&b);
    if (!e)
        e = create_as(x, &x->stage, text_of(x, &out));
    struct xf_column_info *scols = NULL, *tcols = NULL;
    size_t nscols = 0, ntcols = 0;
    if (!e)
        e = x->c->ops->columns(x->c, &x->stage, x->a, &scols, &nscols, x->err);
    if (!e)
        e = check_keys(x, scols, nscols);
    if (!e)
        e = x->c->ops->columns(x->c, &x->target, x->a, &tcols, &ntcols, x->err);
    /* a column the query gained is added to the snapshot table (its old rows: NULL) */
    for (size_t i = 0; !e && i < nscols; i++) {
        if (staging_only(scols[i].name) || has_col(tcols, ntcols, scols[i].name))
            continue;
        xf_buf_reset(&b);
        xf_buf_adds(&b, "alter table ");
        x->c->ops->render_relation(&b, &x->target);
        xf_buf_adds(&b, " add column ");
        x->c->ops->quote(&b, scols[i].name);
        if (scols[i].data_type && scols[i].data_type[0])
            xf_buf_addf(&b, " %s", scols[i].data_type);
        e = run(x, b.ptr);
    }
    struct xf_value cols = xf_v_list(x->a, nscols);
    for (size_t i = 0; !e && i < nscols; i++) {
        if (staging_only(scols[i].name))
            continue;
        xf_buf_reset(&b);
        x->c->ops->quote(&b, scols[i].name);
        xf_list_push(x->a, cols.u.l, xf_v_strc(xf_arena_strndup(x->a, b.ptr, b.len)));
    }
    xf_buf_release(&b);
    if (e)
        return -1;
    struct xf_value margs[3] = {target, stage, cols};
    if (call_named(x, "snapshot_merge_sql", margs, 3, &out) < 0)
        return -1;
    return run(x, text_of(x, &out));
}

int xf_snapshot(struct xf_session *s, struct xf_conn *c, struct xf_node *n, const char *sql,
                struct xf_buf *executed, struct xf_node_result *r, struct xf_buf *err)
{
    struct xf_arena a;
    xf_arena_init(&a);
    struct snap x;
    memset(&x, 0, sizeof x);
    x.s = s;
    x.c = c;
    x.n = n;
    x.a = &a;
    x.executed = executed;
    x.err = err;
    x.target = (struct xf_relation){n->database, n->schema, n->alias};
    x.stage = x.target;
    x.stage.identifier = xf_arena_printf(&a, "%s__xform_snap", n->alias);
    xf_diags_init(&x.diags);
    x.rc = (struct xf_rctx){
        .s = s, .node = n, .execute = true, .conn = c, .arena = &a, .diags = &x.diags};
    xf_context_env(&x.env, &x.rc);
    /* the macros read the compiled query as model['compiled_code'], as dbt's */
    struct xf_dict *locals = xf_context_locals(&x.rc);
    const struct xf_value *mv = xf_dict_getc(locals, "model");
    if (mv && mv->t == XF_V_DICT) {
        x.model = *mv;
        xf_dict_set(&a, x.model.u.d, XF_STR("compiled_code"), xf_v_strc(sql));
    } else {
        x.model = xf_v_dict(&a, 1);
    }
    xf_dict_set(&a, locals, XF_STR("sql"), xf_v_strc(sql));
    x.env.locals = locals;

    int e = -1;
    enum xf_relkind kind;
    const struct xf_value *strat_fn;
    if (check_config(&x, &strat_fn) < 0)
        goto out;
    if (c->ops->ensure_schema(c, n->schema, err) < 0)
        goto out;
    if (c->ops->relation_kind(c, &x.target, &kind, err) < 0)
        goto out;
    if ((e = c->ops->begin(c, err)) < 0)
        goto out;
    const struct xf_value *cfg = xf_dict_getc(x.model.u.d, "config");
    struct xf_value sargs[5] = {x.model, xf_v_strc("snapshotted_data"), xf_v_strc("source_data"),
                                cfg ? *cfg : n->config, xf_v_bool(kind != XF_REL_NONE)};
    struct xf_value strategy;
    e = call(&x, strat_fn, sargs, 5, &strategy);
    if (!e && strategy.t != XF_V_DICT) {
        xf_buf_addf(err, "the strategy macro of snapshot '%s' returned no dict", n->name);
        e = -1;
    }
    if (!e && kind == XF_REL_NONE) {
        /* the keys are checked against the query first: the build names them */
        struct xf_column_info *qcols;
        size_t nqcols;
        if (c->ops->describe && !(e = c->ops->describe(c, sql, &a, &qcols, &nqcols, err)))
            e = check_keys(&x, qcols, nqcols);
        struct xf_value bargs[2] = {strategy, xf_v_strc(sql)}, out;
        if (!e)
            e = call_named(&x, "build_snapshot_table", bargs, 2, &out);
        if (!e)
            e = create_as(&x, &x.target, text_of(&x, &out));
        if (!e)
            e = c->ops->commit(c, err);
        if (e < 0) {
            struct xf_buf ignore = XF_BUF_INIT;
            c->ops->rollback(c, &ignore);
            xf_buf_release(&ignore);
            goto out;
        }
    } else {
        if (!e)
            e = merge(&x, &strategy, sql);
        if ((e = xf_staging_finish(c, &x.stage, e, executed, err)) < 0)
            goto out;
    }
    xf_session_mark_existing(s, n->schema, n->alias, XF_REL_TABLE);
    r->status = XF_ST_SUCCESS;
    r->message = kind == XF_REL_NONE ? "SELECT" : "MERGE";
out:
    xf_diags_release(&x.diags);
    xf_arena_release(&a);
    return e < 0 ? -1 : 0;
}
