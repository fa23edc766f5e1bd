// SPDX-License-Identifier: MIT
/*
 * Incremental models. The first build (or --full-refresh, or a view in
 * the way) is an ordinary atomic table replace. Later builds run in ONE
 * transaction: the new rows go into a staging table beside the target,
 * on_schema_change is applied, the strategy (append, delete+insert,
 * merge) moves the rows, the staging table is dropped, commit. Any
 * failure rolls back, leaving the target exactly as it was.
 *
 * Loud where dbt is silent: a unique_key that is not a column is an
 * error (not a quiet append), and NULL keys are counted and warned about.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/internal.h"

static const char *const strategies[] = {"append", "delete+insert", "merge", NULL};

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
};

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
    struct xf_buf sql = XF_BUF_INIT;
    for (size_t i = 0; i < x->nscols && !e; i++) {
        if (has_col(x->tcols, x->ntcols, x->scols[i].name))
            continue;
        xf_buf_reset(&sql);
        xf_buf_adds(&sql, "alter table ");
        rel(&sql, x, &x->target);
        xf_buf_adds(&sql, " add column ");
        q(&sql, x, x->scols[i].name);
        if (x->scols[i].data_type && x->scols[i].data_type[0])
            xf_buf_addf(&sql, " %s", x->scols[i].data_type);
        e = run(x, sql.ptr);
    }
    for (size_t i = 0; sync && i < x->ntcols && !e; i++) {
        if (has_col(x->scols, x->nscols, x->tcols[i].name))
            continue;
        xf_buf_reset(&sql);
        xf_buf_adds(&sql, "alter table ");
        rel(&sql, x, &x->target);
        xf_buf_adds(&sql, " drop column ");
        q(&sql, x, x->tcols[i].name);
        e = run(x, sql.ptr);
    }
    xf_buf_release(&sql);
    if (!e) /* Re-read the target's columns after the change. */
        e = x->c->ops->columns(x->c, &x->target, x->a, &x->tcols, &x->ntcols, x->err);
done:
    xf_buf_release(&added);
    xf_buf_release(&removed);
    return e;
}

/* The columns both relations have, in the target's order. */
static void common_cols(struct xf_buf *b, struct incr *x, const char *prefix, const char **only,
                        size_t nonly)
{
    bool first = true;
    for (size_t i = 0; i < x->ntcols; i++) {
        const char *c = x->tcols[i].name;
        if (!has_col(x->scols, x->nscols, c))
            continue;
        if (only) {
            bool in = false;
            for (size_t k = 0; k < nonly; k++)
                in = in || !strcasecmp(only[k], c);
            if (!in)
                continue;
        }
        if (!first)
            xf_buf_adds(b, ", ");
        first = false;
        if (prefix)
            xf_buf_addf(b, "%s.", prefix);
        q(b, x, c);
    }
}

static void key_match(struct xf_buf *b, struct incr *x, const char *left)
{
    for (size_t i = 0; i < x->nkeys; i++) {
        if (i)
            xf_buf_adds(b, " and ");
        xf_buf_addf(b, "%s.", left);
        q(b, x, x->keys[i]);
        xf_buf_adds(b, " = xform_stage.");
        q(b, x, x->keys[i]);
    }
}

static void predicates(struct xf_buf *b, struct incr *x)
{
    const struct xf_value *p = xf_node_config(x->n, "incremental_predicates");
    if (!p)
        return;
    if (p->t == XF_V_STR) {
        xf_buf_addf(b, " and (%.*s)", XF_STR_ARG(p->u.s));
    } else if (p->t == XF_V_LIST) {
        for (size_t i = 0; i < p->u.l->n; i++) {
            if (p->u.l->items[i].t == XF_V_STR)
                xf_buf_addf(b, " and (%.*s)", XF_STR_ARG(p->u.l->items[i].u.s));
        }
    }
}

static void insert_all(struct xf_buf *b, struct incr *x, bool only_new)
{
    xf_buf_adds(b, "insert into ");
    rel(b, x, &x->target);
    xf_buf_adds(b, " (");
    common_cols(b, x, NULL, NULL, 0);
    xf_buf_adds(b, ")\nselect ");
    common_cols(b, x, "xform_stage", NULL, 0);
    xf_buf_adds(b, "\nfrom ");
    rel(b, x, &x->stage);
    xf_buf_adds(b, " as xform_stage");
    if (only_new && x->nkeys) {
        xf_buf_adds(b, "\nwhere not exists (select 1 from ");
        rel(b, x, &x->target);
        xf_buf_addf(b, " where ");
        struct xf_buf t = XF_BUF_INIT;
        q(&t, x, x->target.identifier);
        key_match(b, x, t.ptr);
        xf_buf_release(&t);
        xf_buf_adds(b, ")");
    }
}

static const char **string_list(struct incr *x, const char *key, size_t *n)
{
    const struct xf_value *v = xf_node_config(x->n, key);
    *n = 0;
    if (!v || v->t != XF_V_LIST)
        return NULL;
    const char **out = XF_ANEWN(x->a, const char *, v->u.l->n + 1);
    for (size_t i = 0; i < v->u.l->n; i++) {
        if (v->u.l->items[i].t == XF_V_STR)
            out[(*n)++] = xf_arena_strdups(x->a, v->u.l->items[i].u.s);
    }
    return out;
}

static int strategy(struct incr *x, const char *name)
{
    struct xf_buf b = XF_BUF_INIT;
    int e = 0;
    if (!strcmp(name, "append") || (!x->nkeys && !strcmp(name, "merge"))) {
        insert_all(&b, x, false);
        e = run(x, b.ptr);
    } else if (!strcmp(name, "delete+insert")) {
        if (x->nkeys) {
            xf_buf_adds(&b, "delete from ");
            rel(&b, x, &x->target);
            xf_buf_adds(&b, "\nwhere exists (select 1 from ");
            rel(&b, x, &x->stage);
            xf_buf_adds(&b, " as xform_stage where ");
            struct xf_buf t = XF_BUF_INIT;
            q(&t, x, x->target.identifier);
            key_match(&b, x, t.ptr);
            xf_buf_release(&t);
            xf_buf_adds(&b, ")");
            predicates(&b, x);
            e = run(x, b.ptr);
            xf_buf_reset(&b);
        }
        if (!e) {
            insert_all(&b, x, false);
            e = run(x, b.ptr);
        }
    } else { /* merge with a key: update matching rows, insert the rest */
        size_t nupd, nexcl;
        const char **upd = string_list(x, "merge_update_columns", &nupd);
        const char **excl = string_list(x, "merge_exclude_columns", &nexcl);
        struct xf_buf t = XF_BUF_INIT;
        q(&t, x, x->target.identifier);
        xf_buf_adds(&b, "update ");
        rel(&b, x, &x->target);
        xf_buf_adds(&b, " set ");
        bool first = true;
        for (size_t i = 0; i < x->ntcols; i++) {
            const char *c = x->tcols[i].name;
            if (!has_col(x->scols, x->nscols, c))
                continue;
            bool skip = false;
            for (size_t k = 0; k < x->nkeys; k++)
                skip = skip || !strcasecmp(x->keys[k], c);
            if (upd) {
                bool in = false;
                for (size_t k = 0; k < nupd; k++)
                    in = in || !strcasecmp(upd[k], c);
                skip = skip || !in;
            }
            for (size_t k = 0; excl && k < nexcl; k++)
                skip = skip || !strcasecmp(excl[k], c);
            if (skip)
                continue;
            if (!first)
                xf_buf_adds(&b, ", ");
            first = false;
            q(&b, x, c);
            xf_buf_adds(&b, " = xform_stage.");
            q(&b, x, c);
        }
        if (!first) {
            xf_buf_adds(&b, "\nfrom ");
            rel(&b, x, &x->stage);
            xf_buf_adds(&b, " as xform_stage\nwhere ");
            key_match(&b, x, t.ptr);
            predicates(&b, x);
            e = run(x, b.ptr);
        }
        xf_buf_release(&t);
        if (!e) {
            xf_buf_reset(&b);
            insert_all(&b, x, true);
            e = run(x, b.ptr);
        }
    }
    xf_buf_release(&b);
    return e;
}

int xf_incremental(struct xf_session *s, struct xf_conn *c, struct xf_node *n, const char *sql,
                   struct xf_buf *executed, struct xf_node_result *r, struct xf_buf *err)
{
    const char *strat = xf_node_config_str(n, "incremental_strategy", NULL);
    if (!strat)
        strat = xf_node_config_str(n, "strategy", "merge");
    if (!strcmp(strat, "microbatch")) /* batch by batch: engine/microbatch.c */
        return xf_microbatch(s, c, n, executed, r, err);
    bool known = false;
    for (const char *const *k = strategies; *k; k++)
        known = known || !strcmp(*k, strat);
    if (!known) {
        xf_buf_addf(err,
                    "unknown incremental_strategy '%s' for model '%s': use append, "
                    "delete+insert, merge or microbatch",
                    strat, n->name);
        return -1;
    }
    if (c->ops->ensure_schema(c, n->schema, err) < 0)
        return -1;
    struct xf_relation target = {n->database, n->schema, n->alias};
    enum xf_relkind kind = XF_REL_NONE;
    if (c->ops->relation_kind(c, &target, &kind, err) < 0)
        return -1;
    const struct xf_value *fr = xf_node_config(n, "full_refresh");
    bool full = s->full_refresh;
    if (fr && fr->t == XF_V_BOOL)
        full = fr->u.b; /* the model's own setting wins, as in dbt */
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
                ce = xf_contract_build_table(s, c, n, sql, cols, nc, executed, err);
            xf_arena_release(&ca);
            if (ce < 0)
                return -1;
        } else if (c->ops->replace_relation(c, &target, XF_REL_TABLE, sql, executed, err) < 0) {
            return -1;
        }
        xf_session_mark_existing(s, n->schema, n->alias, XF_REL_TABLE);
        r->status = XF_ST_SUCCESS;
        r->message = "SELECT";
        return 0;
    }

    struct xf_arena a;
    xf_arena_init(&a);
    struct incr x = {s, c, n, &a, executed, err, target, {0}, NULL, NULL, 0, 0, NULL, 0};
    x.stage = target;
    x.stage.identifier = xf_arena_printf(&a, "%s__xform_incr", n->alias);
    int e = read_keys(&x);
    if (e < 0 || (e = c->ops->begin(c, err)) < 0)
        goto out;
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_adds(&b, "drop table if exists ");
    rel(&b, &x, &x.stage);
    e = run(&x, b.ptr);
    if (!e) {
        xf_buf_reset(&b);
        xf_buf_adds(&b, "create table ");
        rel(&b, &x, &x.stage);
        xf_buf_addf(&b, " as\n%s", sql);
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
    r->message = !strcmp(strat, "append")  ? "INSERT"
                 : !strcmp(strat, "merge") ? "MERGE"
                                           : "DELETE+INSERT";
out:
    xf_arena_release(&a);
    return e < 0 ? -1 : 0;
}
