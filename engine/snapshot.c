// SPDX-License-Identifier: MIT
/*
 * Snapshots: type-2 slowly changing dimensions, as dbt builds them. The
 * first run copies the query's rows with dbt_scd_id, dbt_updated_at,
 * dbt_valid_from and an open dbt_valid_to. Later runs, in one transaction:
 * stage the query's rows, close the current version of every changed row
 * (timestamp strategy: updated_at moved forward; check strategy: a checked
 * column differs, NULL-safe), insert a new version for changed and new
 * keys, then handle keys that disappeared per hard_deletes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/internal.h"

struct snap {
    struct xf_conn *c;
    struct xf_node *n;
    struct xf_arena *a;
    struct xf_buf *executed, *err;
    struct xf_relation target, stage;
    const char **keys;
    size_t nkeys;
    bool check;             /* strategy check (else timestamp) */
    const char *updated_at; /* timestamp strategy column */
    const char *now;        /* SQL expression for "now" */
    const char *text_type;
    const char *hard_deletes; /* ignore | invalidate | new_record */
};

static void q(struct xf_buf *b, struct snap *x, const char *id)
{
    x->c->ops->quote(b, id);
}

static void rel(struct xf_buf *b, struct snap *x, const struct xf_relation *r)
{
    x->c->ops->render_relation(b, r);
}

static int run(struct snap *x, const char *sql)
{
    xf_buf_adds(x->executed, sql);
    xf_buf_adds(x->executed, ";\n");
    return x->c->ops->exec(x->c, sql, x->err);
}

static int read_keys(struct snap *x)
{
    const struct xf_value *k = xf_node_config(x->n, "unique_key");
    if (!k || (k->t != XF_V_STR && k->t != XF_V_LIST)) {
        xf_buf_addf(x->err, "snapshot '%s' needs a unique_key config", x->n->name);
        return -1;
    }
    size_t cap = k->t == XF_V_LIST ? k->u.l->n + 1 : 2;
    x->keys = XF_ANEWN(x->a, const char *, cap);
    if (k->t == XF_V_STR) {
        x->keys[x->nkeys++] = xf_arena_strdups(x->a, xf_str_trim(k->u.s));
    } else {
        for (size_t i = 0; i < k->u.l->n; i++) {
            if (k->u.l->items[i].t == XF_V_STR)
                x->keys[x->nkeys++] = xf_arena_strdups(x->a, k->u.l->items[i].u.s);
        }
    }
    return 0;
}

/* md5 of the key and the version time: the row version's identity. */
static void scd_id(struct xf_buf *b, struct snap *x, const char *alias, const char *upd_expr)
{
    xf_buf_adds(b, "md5(");
    for (size_t i = 0; i < x->nkeys; i++) {
        xf_buf_addf(b, "coalesce(cast(%s.", alias);
        q(b, x, x->keys[i]);
        xf_buf_addf(b, " as %s), '') || '|' || ", x->text_type);
    }
    xf_buf_addf(b, "coalesce(cast(%s as %s), ''))", upd_expr, x->text_type);
}

/* The version time of a staged row. */
static char *upd_expr(struct snap *x, const char *alias)
{
    if (x->check)
        return xf_arena_strdup(x->a, x->now);
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_addf(&b, "%s.", alias);
    q(&b, x, x->updated_at);
    char *s = xf_arena_strndup(x->a, b.ptr, b.len);
    xf_buf_release(&b);
    return s;
}

static void key_match(struct xf_buf *b, struct snap *x, const char *l, const char *r)
{
    for (size_t i = 0; i < x->nkeys; i++) {
        if (i)
            xf_buf_adds(b, " and ");
        xf_buf_addf(b, "%s.", l);
        q(b, x, x->keys[i]);
        xf_buf_addf(b, " = %s.", r);
        q(b, x, x->keys[i]);
    }
}

/* select list of the first build (and of inserts): the row plus the dbt_ columns. */
static void versioned_select(struct xf_buf *b, struct snap *x, const char *alias,
                             const struct xf_column_info *cols, size_t ncols, bool deleted)
{
    const char *u = upd_expr(x, alias);
    xf_buf_adds(b, "select ");
    for (size_t i = 0; i < ncols; i++) {
        xf_buf_addf(b, "%s.", alias);
        q(b, x, cols[i].name);
        xf_buf_adds(b, ", ");
    }
    scd_id(b, x, alias, u);
    xf_buf_addf(b,
                " as dbt_scd_id, %s as dbt_updated_at, %s as dbt_valid_from, "
                "cast(null as %s) as dbt_valid_to",
                u, u, x->c->ops->type_name(XF_COL_TIMESTAMP));
    if (!strcmp(x->hard_deletes, "new_record"))
        xf_buf_addf(b, ", '%s' as dbt_is_deleted", deleted ? "True" : "False");
}

/* "changed" condition between current version t and staged row s. */
static int changed(struct xf_buf *b, struct snap *x, const char *t,
                   const struct xf_column_info *cols, size_t ncols)
{
    if (!x->check) {
        xf_buf_addf(b, "%s.dbt_valid_from < s.", t);
        q(b, x, x->updated_at);
        return 0;
    }
    const struct xf_value *cc = xf_node_config(x->n, "check_cols");
    bool all = !cc || (cc->t == XF_V_STR && xf_str_eqc(cc->u.s, "all"));
    if (!all && cc->t != XF_V_LIST) {
        xf_buf_addf(x->err, "check_cols of snapshot '%s' must be 'all' or a list of columns",
                    x->n->name);
        return -1;
    }
    size_t n = all ? ncols : cc->u.l->n;
    bool first = true;
    xf_buf_adds(b, "(");
    for (size_t i = 0; i < n; i++) {
        const char *c;
        if (all) {
            c = cols[i].name;
        } else {
            const struct xf_value *v = &cc->u.l->items[i];
            if (v->t != XF_V_STR)
                continue;
            c = xf_arena_strdups(x->a, v->u.s);
            bool found = false;
            for (size_t k = 0; k < ncols; k++)
                found = found || !strcasecmp(cols[k].name, c);
            if (!found) {
                xf_buf_addf(x->err,
                            "check_cols of snapshot '%s' names '%s', which is not a "
                            "column of its query",
                            x->n->name, c);
                return -1;
            }
        }
        if (!first)
            xf_buf_adds(b, " or ");
        first = false;
        /* NULL-safe "is different". */
        xf_buf_addf(b, "not (%s.", t);
        q(b, x, c);
        xf_buf_adds(b, " = s.");
        q(b, x, c);
        xf_buf_addf(b, " or (%s.", t);
        q(b, x, c);
        xf_buf_adds(b, " is null and s.");
        q(b, x, c);
        xf_buf_adds(b, " is null))");
    }
    if (first)
        xf_buf_adds(b, "1 = 0");
    xf_buf_adds(b, ")");
    return 0;
}

int xf_snapshot(struct xf_session *s, struct xf_conn *c, struct xf_node *n, const char *sql,
                struct xf_buf *executed, struct xf_node_result *r, struct xf_buf *err)
{
    struct xf_arena a;
    xf_arena_init(&a);
    struct snap x;
    memset(&x, 0, sizeof x);
    x.c = c;
    x.n = n;
    x.a = &a;
    x.executed = executed;
    x.err = err;
    x.target = (struct xf_relation){n->database, n->schema, n->alias};
    x.stage = x.target;
    x.stage.identifier = xf_arena_printf(&a, "%s__xform_snap", n->alias);
    x.text_type = c->ops->type_name(XF_COL_TEXT);
    const char *strat = xf_node_config_str(n, "strategy", NULL);
    int e = -1;
    if (!strat || (strcmp(strat, "timestamp") && strcmp(strat, "check"))) {
        xf_buf_addf(err,
                    "snapshot '%s' needs strategy 'timestamp' (with updated_at) or 'check' "
                    "(with check_cols)",
                    n->name);
        goto out;
    }
    x.check = !strcmp(strat, "check");
    x.updated_at = xf_node_config_str(n, "updated_at", NULL);
    if (!x.check && !x.updated_at) {
        xf_buf_addf(err, "snapshot '%s' uses the timestamp strategy but has no updated_at config",
                    n->name);
        goto out;
    }
    x.hard_deletes = xf_node_config_str(n, "hard_deletes", NULL);
    if (!x.hard_deletes)
        x.hard_deletes =
            xf_node_config_bool(n, "invalidate_hard_deletes", false) ? "invalidate" : "ignore";
    if (strcmp(x.hard_deletes, "ignore") && strcmp(x.hard_deletes, "invalidate") &&
        strcmp(x.hard_deletes, "new_record")) {
        xf_buf_addf(err,
                    "unknown hard_deletes '%s' for snapshot '%s': use ignore, invalidate or "
                    "new_record",
                    x.hard_deletes, n->name);
        goto out;
    }
    /* One timestamp for the whole run, so every change of a run lines up. */
    /* Microseconds, so that two runs in one second make distinct versions. */
    char ts[27];
    snprintf(ts, sizeof ts, "%.26s", s->generated_at);
    if (ts[10] == 'T')
        ts[10] = ' '; /* ISO 8601 -> the SQL timestamp literal form */
    x.now = xf_arena_printf(&a, "cast('%s' as %s)", ts, c->ops->type_name(XF_COL_TIMESTAMP));
    if (read_keys(&x) < 0)
        goto out;
    if (c->ops->ensure_schema(c, n->schema, err) < 0)
        goto out;
    enum xf_relkind kind;
    if (c->ops->relation_kind(c, &x.target, &kind, err) < 0)
        goto out;

    struct xf_buf b = XF_BUF_INIT;
    if ((e = c->ops->begin(c, err)) < 0)
        goto out;
    xf_buf_adds(&b, "drop table if exists ");
    rel(&b, &x, &x.stage);
    e = run(&x, b.ptr);
    xf_buf_reset(&b);
    if (!e) {
        xf_buf_adds(&b, "create table ");
        rel(&b, &x, &x.stage);
        xf_buf_addf(&b, " as\nselect * from (\n%s\n) snapshot_query", sql);
        e = run(&x, b.ptr);
        xf_buf_reset(&b);
    }
    struct xf_column_info *cols = NULL;
    size_t ncols = 0;
    if (!e)
        e = c->ops->columns(c, &x.stage, &a, &cols, &ncols, err);
    for (size_t k = 0; !e && k < x.nkeys; k++) {
        bool found = false;
        for (size_t i = 0; i < ncols; i++)
            found = found || !strcasecmp(cols[i].name, x.keys[k]);
        if (!found) {
            xf_buf_addf(err, "unique_key '%s' of snapshot '%s' is not a column of its query",
                        x.keys[k], n->name);
            e = -1;
        }
    }
    if (!e && kind == XF_REL_NONE) {
        xf_buf_adds(&b, "create table ");
        rel(&b, &x, &x.target);
        xf_buf_adds(&b, " as\n");
        versioned_select(&b, &x, "s", cols, ncols, false);
        xf_buf_adds(&b, "\nfrom ");
        rel(&b, &x, &x.stage);
        xf_buf_adds(&b, " s");
        e = run(&x, b.ptr);
        xf_buf_reset(&b);
    } else if (!e) {
        /* 1. close the current version of changed rows */
        struct xf_buf tname = XF_BUF_INIT;
        q(&tname, &x, x.target.identifier);
        struct xf_buf ch = XF_BUF_INIT;
        e = changed(&ch, &x, tname.ptr, cols, ncols);
        if (!e) {
            xf_buf_adds(&b, "update ");
            rel(&b, &x, &x.target);
            xf_buf_addf(&b, " set dbt_valid_to = (select %s from ", upd_expr(&x, "s"));
            rel(&b, &x, &x.stage);
            xf_buf_adds(&b, " s where ");
            key_match(&b, &x, "s", tname.ptr);
            xf_buf_adds(&b, ")\nwhere dbt_valid_to is null and exists (select 1 from ");
            rel(&b, &x, &x.stage);
            xf_buf_adds(&b, " s where ");
            key_match(&b, &x, "s", tname.ptr);
            xf_buf_adds(&b, " and ");
            xf_buf_add(&b, ch.ptr, ch.len);
            xf_buf_adds(&b, ")");
            e = run(&x, b.ptr);
            xf_buf_reset(&b);
        }
        /* 1b. new_record: a key that is back closes its deletion marker */
        if (!e && !strcmp(x.hard_deletes, "new_record")) {
            xf_buf_adds(&b, "update ");
            rel(&b, &x, &x.target);
            xf_buf_addf(&b,
                        " set dbt_valid_to = %s\nwhere dbt_valid_to is null and "
                        "dbt_is_deleted = 'True' and exists (select 1 from ",
                        x.now);
            rel(&b, &x, &x.stage);
            xf_buf_adds(&b, " s where ");
            key_match(&b, &x, "s", tname.ptr);
            xf_buf_adds(&b, ")");
            e = run(&x, b.ptr);
            xf_buf_reset(&b);
        }
        /* 2. a new version for every staged row without a current one */
        if (!e) {
            xf_buf_adds(&b, "insert into ");
            rel(&b, &x, &x.target);
            xf_buf_adds(&b, " (");
            for (size_t i = 0; i < ncols; i++) {
                q(&b, &x, cols[i].name);
                xf_buf_adds(&b, ", ");
            }
            xf_buf_adds(&b, "dbt_scd_id, dbt_updated_at, dbt_valid_from, dbt_valid_to");
            if (!strcmp(x.hard_deletes, "new_record"))
                xf_buf_adds(&b, ", dbt_is_deleted");
            xf_buf_adds(&b, ")\n");
            versioned_select(&b, &x, "s", cols, ncols, false);
            xf_buf_adds(&b, "\nfrom ");
            rel(&b, &x, &x.stage);
            xf_buf_adds(&b, " s\nwhere not exists (select 1 from ");
            rel(&b, &x, &x.target);
            xf_buf_adds(&b, " t where ");
            key_match(&b, &x, "t", "s");
            xf_buf_adds(&b, " and t.dbt_valid_to is null");
            if (!strcmp(x.hard_deletes, "new_record"))
                xf_buf_adds(&b, " and t.dbt_is_deleted = 'False'");
            xf_buf_adds(&b, ")");
            e = run(&x, b.ptr);
            xf_buf_reset(&b);
        }
        /* 3. keys gone from the query */
        if (!e && strcmp(x.hard_deletes, "ignore")) {
            if (!strcmp(x.hard_deletes, "new_record")) {
                /* a deleted-marker version, then close the old current one */
                xf_buf_adds(&b, "insert into ");
                rel(&b, &x, &x.target);
                xf_buf_adds(&b, " (");
                for (size_t i = 0; i < ncols; i++) {
                    q(&b, &x, cols[i].name);
                    xf_buf_adds(&b, ", ");
                }
                xf_buf_adds(&b, "dbt_scd_id, dbt_updated_at, dbt_valid_from, dbt_valid_to, "
                                "dbt_is_deleted)\nselect ");
                for (size_t i = 0; i < ncols; i++) {
                    xf_buf_adds(&b, "t.");
                    q(&b, &x, cols[i].name);
                    xf_buf_adds(&b, ", ");
                }
                scd_id(&b, &x, "t", x.now);
                xf_buf_addf(&b, ", %s, %s, cast(null as %s), 'True'\nfrom ", x.now, x.now,
                            c->ops->type_name(XF_COL_TIMESTAMP));
                rel(&b, &x, &x.target);
                xf_buf_adds(&b, " t\nwhere t.dbt_valid_to is null and t.dbt_is_deleted = "
                                "'False' and not exists (select 1 from ");
                rel(&b, &x, &x.stage);
                xf_buf_adds(&b, " s where ");
                key_match(&b, &x, "s", "t");
                xf_buf_adds(&b, ")");
                e = run(&x, b.ptr);
                xf_buf_reset(&b);
            }
            if (!e) {
                xf_buf_adds(&b, "update ");
                rel(&b, &x, &x.target);
                xf_buf_addf(&b, " set dbt_valid_to = %s\nwhere dbt_valid_to is null", x.now);
                if (!strcmp(x.hard_deletes, "new_record"))
                    xf_buf_adds(&b, " and dbt_is_deleted = 'False'");
                xf_buf_adds(&b, " and not exists (select 1 from ");
                rel(&b, &x, &x.stage);
                xf_buf_adds(&b, " s where ");
                key_match(&b, &x, "s", tname.ptr);
                xf_buf_adds(&b, ")");
                e = run(&x, b.ptr);
                xf_buf_reset(&b);
            }
        }
        xf_buf_release(&ch);
        xf_buf_release(&tname);
    }
    xf_buf_release(&b);
    if ((e = xf_staging_finish(c, &x.stage, e, executed, err)) < 0)
        goto out;
    xf_session_mark_existing(s, n->schema, n->alias, XF_REL_TABLE);
    r->status = XF_ST_SUCCESS;
    r->message = kind == XF_REL_NONE ? "SELECT" : "MERGE";
out:
    xf_arena_release(&a);
    return e < 0 ? -1 : 0;
}
