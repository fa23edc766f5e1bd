// SPDX-License-Identifier: MIT
/*
 * PostgreSQL's relation extras, as dbt-postgres has them: grants read from
 * the relation's ACL and changed one privilege at a time, comments on
 * relations and columns (persist_docs), indexes named from their
 * definition, and materialized views (created, refreshed, their indexes
 * compared with the config as on_configuration_change says). Statements
 * go through the adapter's own exec and query ops, so they carry the
 * query comment and answer cancel like every other statement.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "adapters/internal.h"
#include "adapters/postgres.h"
#include "util/hash.h"

/* 'text' with quotes doubled (standard_conforming_strings is on since 9.1). */
static void literal(struct xf_buf *b, const char *s)
{
    xf_buf_addch(b, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            xf_buf_addch(b, '\'');
        xf_buf_addch(b, *p);
    }
    xf_buf_addch(b, '\'');
}

/* A plain identifier as written (Postgres folds it, as dbt leaves it), anything else quoted. */
static void ident(struct xf_buf *b, const char *s)
{
    bool plain = *s && !(*s >= '0' && *s <= '9');
    for (const char *p = s; *p && plain; p++)
        plain = *p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                (*p >= '0' && *p <= '9');
    if (plain)
        xf_buf_adds(b, s);
    else
        xf_adapter_quote_dq(b, s);
}

static const char *schema_of(struct xf_conn *c, const struct xf_relation *r)
{
    if (r->schema && *r->schema)
        return r->schema;
    return c->target && c->target->schema && *c->target->schema ? c->target->schema : "public";
}

static int step(struct xf_conn *c, const char *sql, struct xf_buf *executed, struct xf_buf *err)
{
    if (executed) {
        xf_buf_adds(executed, sql);
        xf_buf_adds(executed, ";\n");
    }
    return c->ops->exec(c, sql, err);
}

/*
 * Runs `select_from` (which joins pg_class c and pg_namespace n) narrowed to
 * r ("where n.nspname = '<schema>' and c.relname = '<name>'"), then `tail`
 * ("and ...", "order by ..."); the rows in a. 0, or -1 with err.
 */
static int query_rel(struct xf_conn *c, const struct xf_relation *r, const char *select_from,
                     const char *tail, struct xf_arena *a, struct xf_result *res,
                     struct xf_buf *err)
{
    struct xf_buf q = XF_BUF_INIT;
    xf_buf_adds(&q, select_from);
    xf_buf_adds(&q, " where n.nspname = ");
    literal(&q, schema_of(c, r));
    xf_buf_adds(&q, " and c.relname = ");
    literal(&q, r->identifier);
    xf_buf_adds(&q, tail);
    int e = c->ops->query(c, q.ptr, a, res, err);
    xf_buf_release(&q);
    return e < 0 ? -1 : 0;
}

/* pg_class.relkind of r, or 0 when it does not exist. */
static int relkind(struct xf_conn *c, const struct xf_relation *r, char *out, struct xf_buf *err)
{
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_result res;
    int e = query_rel(c, r,
                      "select c.relkind::text from pg_catalog.pg_class c join "
                      "pg_catalog.pg_namespace n on n.oid = c.relnamespace",
                      "", &a, &res, err);
    *out = 0;
    if (!e && res.nrows && res.cells[0].t == XF_V_STR)
        *out = res.cells[0].u.s.p[0];
    xf_arena_release(&a);
    return e;
}

static const char *kind_word(char k)
{
    return k == 'v' ? "view" : k == 'm' ? "materialized view" : "table";
}

/* ---- grants ------------------------------------------------------- */

int xf_pg_show_grants(struct xf_conn *c, const struct xf_relation *r, struct xf_arena *a,
                      struct xf_grant **out, size_t *n, struct xf_buf *err)
{
    /*
     * dbt reads information_schema.role_table_grants, which leaves out
     * materialized views; the ACL itself has every kind. As dbt: what the
     * current role granted to others.
     */
    struct xf_result res;
    int e = query_rel(c, r,
                      "select lower(g.privilege_type), case when g.grantee = 0 then 'public' "
                      "else pg_catalog.pg_get_userbyid(g.grantee) end "
                      "from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = "
                      "c.relnamespace, lateral pg_catalog.aclexplode(c.relacl) g",
                      " and pg_catalog.pg_get_userbyid(g.grantor) = current_user"
                      " and g.grantee <> g.grantor order by 1, 2",
                      a, &res, err);
    *out = NULL;
    *n = 0;
    if (e < 0)
        return -1;
    *out = XF_ANEWN(a, struct xf_grant, res.nrows ? res.nrows : 1);
    for (size_t i = 0; i < res.nrows; i++) {
        const struct xf_value *row = res.cells + i * res.ncols;
        if (row[0].t != XF_V_STR || row[1].t != XF_V_STR)
            continue;
        (*out)[(*n)++] = (struct xf_grant){row[0].u.s.p, row[1].u.s.p};
    }
    return 0;
}

int xf_pg_grant(struct xf_conn *c, const struct xf_relation *r, bool revoke, const char *privilege,
                const char *const *grantees, size_t n, struct xf_buf *executed, struct xf_buf *err)
{
    for (const char *p = privilege; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == ' ' || *p == '_')) {
            xf_buf_addf(err,
                        "grants: '%s' is not a privilege (select, insert, update, delete, "
                        "truncate, references, trigger)",
                        privilege);
            return -1;
        }
    }
    struct xf_buf sql = XF_BUF_INIT;
    xf_buf_addf(&sql, "%s %s on ", revoke ? "revoke" : "grant", privilege);
    c->ops->render_relation(&sql, r);
    xf_buf_adds(&sql, revoke ? " from " : " to ");
    for (size_t i = 0; i < n; i++) {
        if (i)
            xf_buf_adds(&sql, ", ");
        ident(&sql, grantees[i]);
    }
    int e = step(c, sql.ptr, executed, err);
    xf_buf_release(&sql);
    return e;
}

/* ---- comments ----------------------------------------------------- */

int xf_pg_comment(struct xf_conn *c, const struct xf_relation *r, const char *column, bool quote,
                  const char *text, struct xf_buf *executed, struct xf_buf *err)
{
    char k = 0;
    if (!column && relkind(c, r, &k, err) < 0)
        return -1;
    struct xf_buf sql = XF_BUF_INIT;
    xf_buf_addf(&sql, "comment on %s ", column ? "column" : kind_word(k));
    c->ops->render_relation(&sql, r);
    if (column) {
        xf_buf_addch(&sql, '.');
        if (quote)
            xf_adapter_quote_dq(&sql, column);
        else
            xf_buf_adds(&sql, column);
    }
    xf_buf_adds(&sql, " is ");
    literal(&sql, text);
    int e = step(c, sql.ptr, executed, err);
    xf_buf_release(&sql);
    return e;
}

/* ---- indexes ------------------------------------------------------ */

/* The index's name: a digest of what it is, so that the same index is never made twice. */
static void index_name(char out[33], const struct xf_relation *r, const struct xf_index *ix)
{
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_addf(&b, "%s|%s|%d|", r->identifier, ix->type ? ix->type : "btree", ix->unique);
    for (size_t i = 0; i < ix->ncolumns; i++)
        xf_buf_addf(&b, "%s,", ix->columns[i]);
    xf_md5_hex(out, b.ptr, b.len);
    xf_buf_release(&b);
}

static void create_index_sql(struct xf_buf *sql, struct xf_conn *c, const struct xf_relation *r,
                             const struct xf_index *ix)
{
    char name[33];
    index_name(name, r, ix);
    xf_buf_addf(sql, "create %sindex if not exists \"%s\" on ", ix->unique ? "unique " : "", name);
    c->ops->render_relation(sql, r);
    if (ix->type)
        xf_buf_addf(sql, " using %s", ix->type);
    xf_buf_adds(sql, " (");
    for (size_t i = 0; i < ix->ncolumns; i++) {
        if (i)
            xf_buf_adds(sql, ", ");
        ident(sql, ix->columns[i]);
    }
    xf_buf_addch(sql, ')');
}

int xf_pg_create_index(struct xf_conn *c, const struct xf_relation *r, const struct xf_index *ix,
                       struct xf_buf *executed, struct xf_buf *err)
{
    struct xf_buf sql = XF_BUF_INIT;
    create_index_sql(&sql, c, r, ix);
    int e = step(c, sql.ptr, executed, err);
    xf_buf_release(&sql);
    return e;
}

/* ---- materialized views ------------------------------------------- */

/* The indexes r has: name, unique, method and columns ("a,b"), in a. */
struct have_index {
    const char *name, *method, *columns;
    bool unique, matched;
};

static int list_indexes(struct xf_conn *c, const struct xf_relation *r, struct xf_arena *a,
                        struct have_index **out, size_t *n, struct xf_buf *err)
{
    struct xf_result res;
    int e = query_rel(c, r,
                      "select i.relname::text, ix.indisunique, am.amname::text, "
                      "array_to_string(array(select att.attname::text from "
                      "unnest(ix.indkey::int2[]) with ordinality k(attnum, ord) "
                      "join pg_catalog.pg_attribute att on att.attrelid = ix.indrelid "
                      "and att.attnum = k.attnum order by k.ord), ',') "
                      "from pg_catalog.pg_index ix "
                      "join pg_catalog.pg_class i on i.oid = ix.indexrelid "
                      "join pg_catalog.pg_am am on am.oid = i.relam "
                      "join pg_catalog.pg_class c on c.oid = ix.indrelid "
                      "join pg_catalog.pg_namespace n on n.oid = c.relnamespace",
                      " order by 1", a, &res, err);
    *out = NULL;
    *n = 0;
    if (e < 0)
        return -1;
    *out = XF_ANEWN(a, struct have_index, res.nrows ? res.nrows : 1);
    for (size_t i = 0; i < res.nrows; i++) {
        const struct xf_value *row = res.cells + i * res.ncols;
        if (row[0].t != XF_V_STR || row[2].t != XF_V_STR || row[3].t != XF_V_STR)
            continue;
        (*out)[(*n)++] = (struct have_index){.name = row[0].u.s.p,
                                             .method = row[2].u.s.p,
                                             .columns = row[3].u.s.p,
                                             .unique = xf_value_truthy(&row[1])};
    }
    return 0;
}

/* Whether an existing index is the configured one (columns as Postgres folds them). */
static bool same_index(const struct have_index *h, const struct xf_index *ix)
{
    if (h->unique != ix->unique || strcasecmp(h->method, ix->type ? ix->type : "btree"))
        return false;
    struct xf_buf cols = XF_BUF_INIT;
    for (size_t i = 0; i < ix->ncolumns; i++)
        xf_buf_addf(&cols, "%s%s", i ? "," : "", ix->columns[i]);
    bool same = strcasecmp(cols.ptr, h->columns) == 0;
    xf_buf_release(&cols);
    return same;
}

static int create_indexes(struct xf_conn *c, const struct xf_relation *r, const struct xf_index *ix,
                          size_t nix, struct xf_buf *executed, struct xf_buf *err)
{
    for (size_t i = 0; i < nix; i++)
        if (xf_pg_create_index(c, r, &ix[i], executed, err) < 0)
            return -1;
    return 0;
}

/* Builds r afresh: under a temporary name, swapped in, indexed; the caller's transaction. */
static int replace_matview(struct xf_conn *c, const struct xf_relation *r, char old_kind,
                           const char *select_sql, const struct xf_index *ix, size_t nix,
                           struct xf_buf *executed, struct xf_buf *err)
{
    const char *schema = schema_of(c, r);
    struct xf_buf tmp_name = XF_BUF_INIT, bak_name = XF_BUF_INIT, sql = XF_BUF_INIT;
    xf_buf_addf(&tmp_name, "%.40s%s", r->identifier, XF_TMP_SUFFIX);
    xf_buf_addf(&bak_name, "%.40s%s", r->identifier, XF_BACKUP_SUFFIX);
    struct xf_relation tmp = {r->database, schema, tmp_name.ptr};
    struct xf_relation bak = {r->database, schema, bak_name.ptr};
    int e = 0;
    char k = 0;
    const struct xf_relation *clear[] = {&tmp, &bak};
    for (size_t i = 0; i < 2 && !e; i++) { /* what a killed run may have left */
        e = relkind(c, clear[i], &k, err);
        if (!e && k) {
            xf_buf_reset(&sql);
            xf_buf_addf(&sql, "drop %s if exists ", kind_word(k));
            c->ops->render_relation(&sql, clear[i]);
            xf_buf_adds(&sql, " cascade");
            e = step(c, sql.ptr, executed, err);
        }
    }
    if (!e) {
        xf_buf_reset(&sql);
        xf_buf_adds(&sql, "create materialized view ");
        c->ops->render_relation(&sql, &tmp);
        xf_buf_adds(&sql, " as (\n");
        xf_buf_addstr(&sql, xf_adapter_trim_sql(select_sql));
        xf_buf_adds(&sql, "\n)");
        e = step(c, sql.ptr, executed, err);
    }
    if (!e && old_kind) {
        xf_buf_reset(&sql);
        xf_buf_addf(&sql, "alter %s ", kind_word(old_kind));
        c->ops->render_relation(&sql, r);
        xf_buf_adds(&sql, " rename to ");
        xf_adapter_quote_dq(&sql, bak.identifier);
        e = step(c, sql.ptr, executed, err);
    }
    if (!e) {
        xf_buf_reset(&sql);
        xf_buf_adds(&sql, "alter materialized view ");
        c->ops->render_relation(&sql, &tmp);
        xf_buf_adds(&sql, " rename to ");
        xf_adapter_quote_dq(&sql, r->identifier);
        e = step(c, sql.ptr, executed, err);
    }
    if (!e && old_kind) {
        xf_buf_reset(&sql);
        xf_buf_addf(&sql, "drop %s ", kind_word(old_kind));
        c->ops->render_relation(&sql, &bak);
        xf_buf_adds(&sql, " cascade");
        e = step(c, sql.ptr, executed, err);
    }
    /* after the old relation is gone: index names are unique in the schema */
    if (!e)
        e = create_indexes(c, r, ix, nix, executed, err);
    xf_buf_release(&tmp_name);
    xf_buf_release(&bak_name);
    xf_buf_release(&sql);
    return e;
}

/*
 * An existing materialized view: refreshed when its indexes are the
 * configured ones; otherwise as on_change says (dbt-postgres: apply
 * changes the indexes and does not refresh, continue leaves it with a
 * warning, fail is the node's error).
 */
static int update_matview(struct xf_conn *c, const struct xf_relation *r, const char *on_change,
                          const struct xf_index *ix, size_t nix, const char **message,
                          struct xf_buf *note, struct xf_buf *executed, struct xf_buf *err)
{
    struct xf_arena a;
    xf_arena_init(&a);
    struct have_index *have;
    size_t nhave;
    int e = list_indexes(c, r, &a, &have, &nhave, err);
    bool *found = xf_calloc(nix ? nix : 1, sizeof *found);
    size_t changes = 0;
    for (size_t i = 0; !e && i < nix; i++) {
        for (size_t k = 0; k < nhave && !found[i]; k++)
            if (!have[k].matched && same_index(&have[k], &ix[i]))
                found[i] = have[k].matched = true;
        changes += !found[i];
    }
    for (size_t k = 0; !e && k < nhave; k++)
        changes += !have[k].matched;
    struct xf_buf sql = XF_BUF_INIT;
    struct xf_buf shown = XF_BUF_INIT;
    c->ops->render_relation(&shown, r);
    if (e) {
    } else if (!changes) {
        xf_buf_adds(&sql, "refresh materialized view ");
        c->ops->render_relation(&sql, r);
        e = step(c, sql.ptr, executed, err);
        *message = "REFRESH MATERIALIZED VIEW";
    } else if (!strcmp(on_change, "apply")) {
        for (size_t k = 0; !e && k < nhave; k++) {
            if (have[k].matched)
                continue;
            xf_buf_reset(&sql);
            xf_buf_adds(&sql, "drop index if exists ");
            xf_adapter_quote_dq(&sql, schema_of(c, r));
            xf_buf_addch(&sql, '.');
            xf_adapter_quote_dq(&sql, have[k].name);
            e = step(c, sql.ptr, executed, err);
        }
        for (size_t i = 0; !e && i < nix; i++)
            if (!found[i])
                e = xf_pg_create_index(c, r, &ix[i], executed, err);
        *message = "ALTER MATERIALIZED VIEW";
    } else if (!strcmp(on_change, "continue")) {
        xf_buf_addf(note,
                    "configuration changes were identified and on_configuration_change is "
                    "'continue' for %s: the materialized view is left as it is, not refreshed "
                    "(its indexes differ from the config)",
                    shown.ptr);
        *message = "skip";
    } else {
        xf_buf_addf(err,
                    "configuration changes were identified and on_configuration_change is "
                    "'fail' for %s: its indexes differ from the config (build it with "
                    "--full-refresh, or set on_configuration_change to apply)",
                    shown.ptr);
        e = -1;
    }
    free(found);
    xf_buf_release(&sql);
    xf_buf_release(&shown);
    xf_arena_release(&a);
    return e;
}

int xf_pg_materialized_view(struct xf_conn *c, const struct xf_relation *r, const char *select_sql,
                            bool full_refresh, const char *on_change, const struct xf_index *ix,
                            size_t nix, const char **message, struct xf_buf *note,
                            struct xf_buf *executed, struct xf_buf *err)
{
    char k = 0;
    if (relkind(c, r, &k, err) < 0)
        return -1;
    if (step(c, "begin", executed, err) < 0)
        return -1;
    int e;
    if (!k || full_refresh || k != 'm') {
        e = replace_matview(c, r, k, select_sql, ix, nix, executed, err);
        *message = "CREATE MATERIALIZED VIEW";
    } else {
        e = update_matview(c, r, on_change, ix, nix, message, note, executed, err);
    }
    if (!e)
        return step(c, "commit", executed, err);
    struct xf_buf ignored = XF_BUF_INIT;
    c->ops->rollback(c, &ignored);
    xf_buf_release(&ignored);
    return -1;
}
