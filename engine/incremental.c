// SPDX-License-Identifier: MIT
/*
 * Incremental models. The first build (or --full-refresh, or a view in
 * the way) is an ordinary atomic table replace. Later builds run in ONE
 * transaction: the new rows go into a staging table beside the target,
 * on_schema_change is applied, the strategy (append, delete+insert,
 * merge) moves the rows, the staging table is dropped, commit. Any
 * failure rolls back, leaving the target exactly as it was. The SQL of
 * each step (the staging table's create, the alters, the strategy's
 * statements) comes from dbt's overridable macros (strategy.c); this file
 * keeps the order, the transaction and the checks.
 *
 * Loud where dbt is silent: a unique_key that is not a column is an
 * error (not a quiet append), and NULL keys are counted and warned about.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/internal.h"

static const char *const strategies[] = {"append", "delete+insert", "merge", "default", NULL};

/* dbt's name for a strategy's macro: get_incremental_<name>_sql, '+' as '_'. */
static const char *macro_name(struct xf_arena *a, const char *strategy)
{
    char *m = xf_arena_printf(a, "get_incremental_%s_sql", strategy);
    for (char *p = m; *p; p++) {
        if (*p == '+')
            *p = '_';
    }
    return m;
}

struct incr {
    struct xf_session *s;
    struct xf_conn *c;
    struct xf_node *n;
    struct xf_arena *a;
    struct xf_buf *executed, *err;
    struct xf_relation target, stage;
    struct xf_column_info *tcols, *scols;
    size_t ntcols, nscols;
    const char **keys;
    size_t nkeys;
    struct xf_strategy *st;
};

/* The model's SQL without trailing white space and semicolons, to wrap in a create. */
static struct xf_str select_body(const char *sql)
{
    struct xf_str b = xf_str_trim(xf_str_c(sql));
    while (b.len && (b.p[b.len - 1] == ';' || b.p[b.len - 1] == ' ' || b.p[b.len - 1] == '\n' ||
                     b.p[b.len - 1] == '\t' || b.p[b.len - 1] == '\r'))
        b.len--;
    return b;
}

static bool has_col(const struct xf_column_info *cols, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcasecmp(cols[i].name, name))
            return true;
    }
    return false;
}

static int run(struct incr *x, const char *sql)
{
    xf_buf_adds(x->executed, sql);
    xf_buf_adds(x->executed, ";\n");
    return x->c->ops->exec(x->c, sql, x->err);
}

static void rel(struct xf_buf *b, struct incr *x, const struct xf_relation *r)
{
    x->c->ops->render_relation(b, r);
}

static void q(struct xf_buf *b, struct incr *x, const char *ident)
{
    x->c->ops->quote(b, ident);
}

/* unique_key: a string or a list of strings (possibly "a, b"). */
static int read_keys(struct incr *x)
{
    const struct xf_value *k = xf_node_config(x->n, "unique_key");
    if (!k || k->t == XF_V_NONE)
        return 0;
    size_t cap = k->t == XF_V_LIST ? k->u.l->n + 1 : 8;
    x->keys = XF_ANEWN(x->a, const char *, cap);
    if (k->t == XF_V_LIST) {
        for (size_t i = 0; i < k->u.l->n; i++) {
            if (k->u.l->items[i].t == XF_V_STR)
                x->keys[x->nkeys++] = xf_arena_strdups(x->a, xf_str_trim(k->u.l->items[i].u.s));
        }
    } else if (k->t == XF_V_STR) {
        /* dbt accepts "a, b" for a composite key. */
        const char *p = k->u.s.p, *end = p + k->u.s.len;
        while (p < end && x->nkeys < cap) {
            const char *comma = memchr(p, ',', (size_t)(end - p));
            const char *e = comma ? comma : end;
            struct xf_str part = xf_str_trim(xf_str_n(p, (size_t)(e - p)));
            if (part.len)
                x->keys[x->nkeys++] = xf_arena_strdups(x->a, part);
            p = comma ? comma + 1 : end;
        }
    }
    return 0;
}

static int check_keys(struct incr *x)
{
    for (size_t i = 0; i < x->nkeys; i++) {
        if (!has_col(x->scols, x->nscols, x->keys[i])) {
            const char **names = XF_ANEWN(x->a, const char *, x->nscols + 1);
            for (size_t k = 0; k < x->nscols; k++)
                names[k] = x->scols[k].name;
            const char *sug = xf_str_suggest(xf_str_c(x->keys[i]), names, x->nscols);
            xf_buf_addf(x->err,
                        "unique_key '%s' of incremental model '%s' is not one of its columns%s%s%s"
                        "; nothing was changed",
                        x->keys[i], x->n->name, sug ? " (did you mean '" : "", sug ? sug : "",
                        sug ? "'?)" : "");
            return -1;
        }
    }
    return 0;
}

/* Counts staged rows whose key has a NULL: they can never match a row. */
static int warn_null_keys(struct incr *x)
{
    if (!x->nkeys)
        return 0;
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_adds(&b, "select count(*) from ");
    rel(&b, x, &x->stage);
    xf_buf_adds(&b, " where ");
    for (size_t i = 0; i < x->nkeys; i++) {
        if (i)
            xf_buf_adds(&b, " or ");
        q(&b, x, x->keys[i]);
        xf_buf_adds(&b, " is null");
    }
    struct xf_result res;
    int e = x->c->ops->query(x->c, b.ptr, x->a, &res, x->err);
    xf_buf_release(&b);
    if (e < 0)
        return -1;
    long long nulls = res.nrows && res.cells[0].t == XF_V_INT ? res.cells[0].u.i : 0;
    if (nulls > 0) {
        struct xf_diag *d = xf_diag_add(
            x->s->diags, XF_SEV_WARNING, XF_NOLOC,
            "incremental model '%s': %lld new %s a NULL in unique_key (%s); they cannot match "
            "existing rows and are inserted as new rows, which can duplicate data",
            x->n->name, nulls, nulls == 1 ? "row has" : "rows have", x->keys[0]);
        xf_diag_hint(d, "filter NULL keys out in the model, or choose a key that is never NULL");
    }
    return 0;
}

/* on_schema_change: ignore | fail | append_new_columns | sync_all_columns. */
static int schema_change(struct incr *x, const char *mode)
{
    struct xf_buf added = XF_BUF_INIT, removed = XF_BUF_INIT;
    for (size_t i = 0; i < x->nscols; i++) {
        if (!has_col(x->tcols, x->ntcols, x->scols[i].name))
            xf_buf_addf(&added, "%s%s", added.len ? ", " : "", x->scols[i].name);
    }
    for (size_t i = 0; i < x->ntcols; i++) {
        if (!has_col(x->scols, x->nscols, x->tcols[i].name))
            xf_buf_addf(&removed, "%s%s", removed.len ? ", " : "", x->tcols[i].name);
    }
    int e = 0;
    bool changed = added.len || removed.len;
    if (!changed || !strcmp(mode, "ignore"))
        goto done;
    if (!strcmp(mode, "fail")) {
        xf_buf_addf(x->err,
                    "the columns of incremental model '%s' changed (added: %s; removed: %s) and "
                    "on_schema_change is 'fail'; run with --full-refresh or set on_schema_change",
                    x->n->name, added.len ? added.ptr : "none", removed.len ? removed.ptr : "none");
        e = -1;
        goto done;
    }
    bool sync = !strcmp(mode, "sync_all_columns");
    if (!sync && strcmp(mode, "append_new_columns")) {
        xf_buf_addf(x->err,
                    "unknown on_schema_change '%s' for model '%s': use ignore, fail, "
                    "append_new_columns or sync_all_columns",
                    mode, x->n->name);
        e = -1;
        goto done;
    }
    /* the alter statements from alter_relation_add_remove_columns(relation, add, remove) */
    struct xf_value add = xf_v_list(x->a, x->nscols), remove = xf_v_none();
    for (size_t i = 0; i < x->nscols; i++) {
        if (!has_col(x->tcols, x->ntcols, x->scols[i].name))
            xf_list_push(x->a, add.u.l,
                         xf_context_column(x->a, x->scols[i].name, x->scols[i].data_type));
    }
    if (sync) {
        remove = xf_v_list(x->a, x->ntcols);
        for (size_t i = 0; i < x->ntcols; i++) {
            if (!has_col(x->scols, x->nscols, x->tcols[i].name))
                xf_list_push(x->a, remove.u.l,
                             xf_context_column(x->a, x->tcols[i].name, x->tcols[i].data_type));
        }
    }
    struct xf_value args[3] = {xf_strategy_relation(x->st, &x->target), add, remove};
    struct xf_buf sql = XF_BUF_INIT;
    e = xf_strategy_call(x->st, "alter_relation_add_remove_columns", args, 3, &sql, x->err);
    if (!e && xf_str_trim(xf_buf_str(&sql)).len)
        e = run(x, sql.ptr);
    xf_buf_release(&sql);
    if (!e) /* Re-read the target's columns after the change. */
        e = x->c->ops->columns(x->c, &x->target, x->a, &x->tcols, &x->ntcols, x->err);
done:
    xf_buf_release(&added);
    xf_buf_release(&removed);
    return e;
}

/*
 * The strategy's SQL from get_incremental_<strategy>_sql(arg_dict), with
 * arg_dict as dbt builds it; the statements it returns run here, inside
 * the build's transaction.
 */
static int strategy(struct incr *x, const char *name)
{
    struct xf_strategy *st = x->st;
    struct xf_arena *a = x->a;
    struct xf_value d = xf_v_dict(a, 5);
    xf_dict_set(a, d.u.d, XF_STR("target_relation"), xf_strategy_relation(st, &x->target));
    xf_dict_set(a, d.u.d, XF_STR("temp_relation"), xf_strategy_relation(st, &x->stage));
    struct xf_value key = xf_v_none();
    if (x->nkeys == 1) {
        key = xf_v_strc(x->keys[0]);
    } else if (x->nkeys > 1) {
        key = xf_v_list(a, x->nkeys);
        for (size_t i = 0; i < x->nkeys; i++)
            xf_list_push(a, key.u.l, xf_v_strc(x->keys[i]));
    }
    xf_dict_set(a, d.u.d, XF_STR("unique_key"), key);
    /* the columns both relations have, in the target's order */
    struct xf_value cols = xf_v_list(a, x->ntcols);
    for (size_t i = 0; i < x->ntcols; i++) {
        if (has_col(x->scols, x->nscols, x->tcols[i].name))
            xf_list_push(a, cols.u.l,
                         xf_context_column(a, x->tcols[i].name, x->tcols[i].data_type));
    }
    xf_dict_set(a, d.u.d, XF_STR("dest_columns"), cols);
    const struct xf_value *p = xf_node_config(x->n, "incremental_predicates");
    struct xf_value preds = xf_v_none();
    if (p && p->t == XF_V_STR) {
        preds = xf_v_list(a, 1);
        xf_list_push(a, preds.u.l, *p);
    } else if (p && p->t == XF_V_LIST) {
        preds = *p;
    }
    xf_dict_set(a, d.u.d, XF_STR("incremental_predicates"), preds);

    struct xf_buf b = XF_BUF_INIT;
    int e = xf_strategy_call(st, macro_name(a, name), &d, 1, &b, x->err);
    if (!e && xf_str_trim(xf_buf_str(&b)).len)
        e = run(x, b.ptr);
    xf_buf_release(&b);
    return e;
}

int xf_incremental(struct xf_session *s, struct xf_conn *c, struct xf_node *n, const char *sql,
                   struct xf_buf *executed, struct xf_node_result *r, struct xf_buf *err)
{
    const char *strat = xf_node_config_str(n, "incremental_strategy", NULL);
    if (!strat)
        strat = xf_node_config_str(n, "strategy", "default");
    if (!strcmp(strat, "microbatch")) /* batch by batch: engine/microbatch.c */
        return xf_microbatch(s, c, n, executed, r, err);
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_strategy st;
    xf_strategy_init(&st, s, c, n, &a);
    int e = -1;
    bool known = false;
    for (const char *const *k = strategies; *k; k++)
        known = known || !strcmp(*k, strat);
    /* as dbt: any strategy whose get_incremental_<name>_sql macro exists */
    if (!known && !xf_strategy_has(&st, macro_name(&a, strat))) {
        xf_buf_addf(err,
                    "unknown incremental_strategy '%s' for model '%s': use append, "
                    "delete+insert, merge or microbatch, or define a macro '%s' for a strategy of "
                    "your own",
                    strat, n->name, macro_name(&a, strat));
        goto out;
    }
    if (c->ops->ensure_schema(c, n->schema, err) < 0)
        goto out;
    struct xf_relation target = {n->database, n->schema, n->alias};
    enum xf_relkind kind = XF_REL_NONE;
    if (c->ops->relation_kind(c, &target, &kind, err) < 0)
        goto out;
    bool full = xf_node_full_refresh(s, n);
    struct xf_extras_hook h; /* a new table's indexes, grants, docs: in its swap's transaction */
    if (kind != XF_REL_TABLE || full) {
        /* a contracted model's first build: the declared types and constraints */
        if (xf_contract_enforced(n)) {
            struct xf_arena ca;
            xf_arena_init(&ca);
            struct xf_column_info *cols = NULL;
            size_t nc = 0;
            int ce = xf_contract_check(s, c, n, sql, &ca, &cols, &nc, err);
            r->compile_error = ce == -2;
            if (ce == 0)
                ce = xf_contract_build_table(s, c, n, sql, cols, nc, xf_extras_hook(&h, s, n, r),
                                             executed, err);
            xf_arena_release(&ca);
            if (ce < 0)
                goto out;
        } else if (c->ops->replace_relation(c, &target, XF_REL_TABLE, sql, &st.create,
                                            xf_extras_hook(&h, s, n, r), executed,
                                            err) < 0) {
            goto out;
        }
        xf_session_mark_existing(s, n->schema, n->alias, XF_REL_TABLE);
        r->status = XF_ST_SUCCESS;
        r->message = "SELECT";
        e = 0;
        goto out;
    }

    struct incr x = {s, c, n, &a, executed, err, target, {0}, NULL, NULL, 0, 0, NULL, 0, &st};
    x.stage = target;
    x.stage.identifier = xf_arena_printf(&a, "%s__xform_incr", n->alias);
    e = read_keys(&x);
    if (e < 0 || (e = c->ops->begin(c, err)) < 0)
        goto out;
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_adds(&b, "drop table if exists ");
    rel(&b, &x, &x.stage);
    e = run(&x, b.ptr);
    if (!e) {
        /* the staging table: a plain table beside the target (temporary=false), dropped
         * before the commit; the whole build rolls back on any failure */
        xf_buf_reset(&b);
        struct xf_value args[3] = {xf_v_bool(false), xf_strategy_relation(&st, &x.stage),
                                   xf_v_str(select_body(sql))};
        e = xf_strategy_call(&st, "get_create_table_as_sql", args, 3, &b, err);
        if (!e)
            e = run(&x, b.ptr);
    }
    xf_buf_release(&b);
    if (!e)
        e = c->ops->columns(c, &x.stage, &a, &x.scols, &x.nscols, err);
    if (!e)
        e = c->ops->columns(c, &target, &a, &x.tcols, &x.ntcols, err);
    if (!e)
        e = check_keys(&x);
    if (!e)
        e = schema_change(&x, xf_node_config_str(n, "on_schema_change", "ignore"));
    if (!e)
        e = warn_null_keys(&x);
    if (!e)
        e = strategy(&x, strat);
    if ((e = xf_staging_finish(c, &x.stage, e, executed, err)) < 0)
        goto out;
    r->status = XF_ST_SUCCESS;
    r->message = !strcmp(strat, "append")                               ? "INSERT"
                 : !strcmp(strat, "delete+insert")                      ? "DELETE+INSERT"
                 : !strcmp(strat, "merge") || !strcmp(strat, "default") ? "MERGE"
                                                                        : "OK";
out:
    xf_strategy_release(&st);
    xf_arena_release(&a);
    return e < 0 ? -1 : 0;
}
