// SPDX-License-Identifier: MIT
/*
 * Model contracts (`contract: {enforced: true}`): before a model is built,
 * the columns its compiled query returns, as the database describes them,
 * are compared with the declared names and data types, and a mismatch
 * fails the node with dbt's table of expected and actual columns before
 * anything is created. A contracted table is created from the declared
 * types and constraints and then filled, so the database enforces them.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/internal.h"

bool xf_contract_enforced(const struct xf_node *n)
{
    if (n->type != XF_RES_MODEL)
        return false;
    const struct xf_value *c = xf_node_config(n, "contract");
    if (!c || c->t != XF_V_DICT)
        return false;
    const struct xf_value *e = xf_dict_getc(c->u.d, "enforced");
    return e && xf_value_truthy(e);
}

/*
 * The declared type as the database is given it: with `alias_types` (on
 * by default, as in dbt) the generic `string` is `text` on every adapter
 * (Postgres has no `string`; SQLite would give it NUMERIC affinity).
 */
static const char *declared_type(const struct xf_node *n, const char *t)
{
    const struct xf_value *c = xf_node_config(n, "contract");
    const struct xf_value *at = c && c->t == XF_V_DICT ? xf_dict_getc(c->u.d, "alias_types") : NULL;
    if ((!at || xf_value_truthy(at)) && !strcasecmp(t, "string"))
        return "text";
    return t;
}

struct row {
    const char *name, *def, *con, *why;
};

static int row_cmp(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    return strcmp(x->name, y->name);
}

static char *upper(struct xf_arena *a, const char *s)
{
    char *u = xf_arena_strdup(a, s ? s : "");
    for (char *p = u; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return u;
}

static void where_declared(struct xf_buf *err, const struct xf_node *n)
{
    if (!n->props_loc.src)
        return;
    unsigned line, col;
    xf_loc_linecol(n->props_loc.src, n->props_loc.off, &line, &col);
    xf_buf_addf(err, "\n\nThe contract is declared at %s:%u:%u", n->props_loc.src->path, line, col);
}

/* dbt's markdown table, each column as wide as its widest cell. */
static void table(struct xf_buf *err, const struct row *rows, size_t n)
{
    static const char *const head[4] = {"column_name", "definition_type", "contract_type",
                                        "mismatch_reason"};
    size_t w[4];
    for (int k = 0; k < 4; k++)
        w[k] = strlen(head[k]);
    for (size_t i = 0; i < n; i++) {
        const char *cells[4] = {rows[i].name, rows[i].def, rows[i].con, rows[i].why};
        for (int k = 0; k < 4; k++)
            if (strlen(cells[k]) > w[k])
                w[k] = strlen(cells[k]);
    }
    for (int k = 0; k < 4; k++)
        xf_buf_addf(err, "| %-*s ", (int)w[k], head[k]);
    xf_buf_adds(err, "|\n");
    for (int k = 0; k < 4; k++) {
        xf_buf_adds(err, "| ");
        for (size_t j = 0; j < w[k]; j++)
            xf_buf_addch(err, '-');
        xf_buf_addch(err, ' ');
    }
    xf_buf_adds(err, "|");
    for (size_t i = 0; i < n; i++) {
        const char *cells[4] = {rows[i].name, rows[i].def, rows[i].con, rows[i].why};
        xf_buf_addch(err, '\n');
        for (int k = 0; k < 4; k++)
            xf_buf_addf(err, "| %-*s ", (int)w[k], cells[k]);
        xf_buf_adds(err, "|");
    }
}

/* The result column a declared column names (case-insensitive unless quoted), or NULL. */
static const struct xf_column_info *actual_of(const struct xf_column *d,
                                              const struct xf_column_info *cols, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (d->quote ? !strcmp(cols[i].name, d->name) : !strcasecmp(cols[i].name, d->name))
            return &cols[i];
    return NULL;
}

static bool declared(const struct xf_node *n, const char *actual)
{
    for (size_t i = 0; i < n->columns.n; i++) {
        const struct xf_column *d = &n->columns.v[i];
        if (d->quote ? !strcmp(actual, d->name) : !strcasecmp(actual, d->name))
            return true;
    }
    return false;
}

int xf_contract_check(struct xf_session *s, struct xf_conn *c, struct xf_node *n, const char *sql,
                      struct xf_arena *a, struct xf_column_info **cols_out, size_t *ncols_out,
                      struct xf_buf *err)
{
    (void)s;
    if (!n->columns.n) {
        xf_buf_addf(err,
                    "model '%s' has an enforced contract but declares no columns: list each "
                    "column with its name and data_type under 'columns:'",
                    n->name);
        where_declared(err, n);
        return -2;
    }
    struct xf_buf missing = XF_BUF_INIT;
    for (size_t i = 0; i < n->columns.n; i++)
        if (!n->columns.v[i].data_type)
            xf_buf_addf(&missing, "%s'%s'", missing.len ? ", " : "", n->columns.v[i].name);
    if (missing.len) {
        xf_buf_addf(err,
                    "Contracted models require data_type to be defined for each column. Please "
                    "ensure that the column name and data_type are defined within the YAML "
                    "configuration for the [%s] column(s).",
                    missing.ptr);
        where_declared(err, n);
        xf_buf_release(&missing);
        return -2;
    }
    xf_buf_release(&missing);
    if (!c->ops->describe || !c->ops->type_matches) {
        xf_buf_addf(err, "the %s adapter cannot describe a query: contracts are not supported",
                    c->ops->name);
        return -1;
    }
    struct xf_column_info *cols;
    size_t nc;
    if (c->ops->describe(c, sql, a, &cols, &nc, err) < 0)
        return -1;
    XF_VEC(struct row) rows = {0};
    for (size_t i = 0; i < n->columns.n; i++) {
        const struct xf_column *d = &n->columns.v[i];
        const struct xf_column_info *ac = actual_of(d, cols, nc);
        if (!ac)
            xf_vec_push(&rows, ((struct row){d->name, "", upper(a, d->data_type),
                                             "missing in definition"}));
        else if (!c->ops->type_matches(declared_type(n, d->data_type), ac->data_type))
            xf_vec_push(&rows, ((struct row){d->name, upper(a, ac->data_type),
                                             upper(a, d->data_type), "data type mismatch"}));
    }
    for (size_t i = 0; i < nc; i++)
        if (!declared(n, cols[i].name))
            xf_vec_push(&rows, ((struct row){cols[i].name, upper(a, cols[i].data_type), "",
                                             "missing in contract"}));
    int ret = 0;
    if (rows.n) {
        qsort(rows.v, rows.n, sizeof *rows.v, row_cmp);
        xf_buf_adds(err, "This model has an enforced contract that failed.\n"
                         "Please ensure the name, data_type, and number of columns in your "
                         "contract match the columns in your model's definition.\n\n");
        table(err, rows.v, rows.n);
        where_declared(err, n);
        ret = -2;
    }
    xf_vec_release(&rows);
    if (cols_out) {
        *cols_out = cols;
        *ncols_out = nc;
    }
    return ret;
}

static void quoted_list(struct xf_buf *b, struct xf_conn *c, const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            xf_buf_adds(b, ", ");
        c->ops->quote(b, v[i]);
    }
}

/* The relation a foreign key's `to:` names, as the DDL writes it; NULL when unresolved. */
static bool fk_target(struct xf_buf *b, struct xf_conn *c, const struct xf_node *n,
                      const struct xf_constraint *k)
{
    const struct xf_node *t = NULL;
    if (k->to_source) {
        for (size_t i = 0; i < n->source_deps.n && !t; i++) {
            const struct xf_dep *d = &n->source_deps.v[i];
            if (d->node && !strcmp(d->name, k->to_name) && d->package &&
                !strcmp(d->package, k->to_source))
                t = d->node;
        }
    } else {
        for (size_t i = 0; i < n->refs.n && !t; i++) {
            const struct xf_dep *d = &n->refs.v[i];
            if (d->node && !strcmp(d->name, k->to_name))
                t = d->node;
        }
    }
    if (!t)
        return false;
    const char *ident = t->type == XF_RES_SOURCE ? t->identifier : t->alias;
    if (c->ops->fk_bare_name || !t->relation_name) {
        c->ops->quote(b, ident);
    } else {
        xf_buf_adds(b, t->relation_name);
    }
    return true;
}

/* One constraint's SQL; `cols` names the model-level columns it applies to (NULL: a column's). */
static int constraint_sql(struct xf_buf *b, struct xf_conn *c, const struct xf_node *n,
                          const struct xf_constraint *k, bool model_level, struct xf_buf *err)
{
    if (k->name && strcmp(k->type, "custom")) {
        xf_buf_adds(b, " constraint ");
        c->ops->quote(b, k->name);
    }
    if (!strcmp(k->type, "not_null")) {
        xf_buf_adds(b, " not null");
    } else if (!strcmp(k->type, "unique") || !strcmp(k->type, "primary_key")) {
        xf_buf_adds(b, !strcmp(k->type, "unique") ? " unique" : " primary key");
        if (model_level) {
            xf_buf_adds(b, " (");
            quoted_list(b, c, k->columns.v, k->columns.n);
            xf_buf_adds(b, ")");
        }
    } else if (!strcmp(k->type, "check")) {
        xf_buf_addf(b, " check (%s)", k->expression);
    } else if (!strcmp(k->type, "foreign_key")) {
        if (model_level) {
            xf_buf_adds(b, " foreign key (");
            quoted_list(b, c, k->columns.v, k->columns.n);
            xf_buf_adds(b, ")");
        }
        xf_buf_adds(b, " references ");
        if (k->to) {
            if (!fk_target(b, c, n, k)) {
                xf_buf_addf(err, "the foreign key of model '%s' references %s, which is not built",
                            n->name, k->to);
                return -1;
            }
            xf_buf_adds(b, " (");
            quoted_list(b, c, k->to_columns.v, k->to_columns.n);
            xf_buf_adds(b, ")");
        } else {
            xf_buf_adds(b, k->expression);
        }
    } else { /* custom */
        xf_buf_addf(b, " %s", k->expression);
    }
    return 0;
}

static void warn_unenforced(struct xf_session *s, struct xf_conn *c, const struct xf_node *n,
                            const struct xf_constraint *k)
{
    if (!k->warn_unenforced || !c->ops->unenforced_constraints)
        return;
    for (const char *const *u = c->ops->unenforced_constraints; *u; u++)
        if (!strcmp(*u, k->type)) {
            struct xf_diag *g =
                xf_diag_add(s->diags, XF_SEV_WARNING, k->loc,
                            "the %s constraint of model '%s' is created but not enforced by %s",
                            k->type, n->name, c->ops->name);
            xf_diag_hint(g, "keep a data test for it (relationships), or set "
                            "'warn_unenforced: false' on the constraint");
        }
}

int xf_contract_build_table(struct xf_session *s, struct xf_conn *c, struct xf_node *n,
                            const char *sql, const struct xf_column_info *cols, size_t ncols,
                            const struct xf_commit_hook *hook, struct xf_buf *executed,
                            struct xf_buf *err)
{
    struct xf_buf ddl = XF_BUF_INIT, list = XF_BUF_INIT;
    int ret = -1;
    xf_buf_adds(&ddl, "(\n");
    for (size_t i = 0; i < n->columns.n; i++) {
        const struct xf_column *d = &n->columns.v[i];
        const struct xf_column_info *ac = actual_of(d, cols, ncols);
        const char *name = ac ? ac->name : d->name;
        if (i) {
            xf_buf_adds(&ddl, ",\n");
            xf_buf_adds(&list, ", ");
        }
        xf_buf_adds(&ddl, "    ");
        c->ops->quote(&ddl, name);
        xf_buf_addf(&ddl, " %s", declared_type(n, d->data_type));
        c->ops->quote(&list, name);
        for (size_t k = 0; k < d->constraints.n; k++) {
            if (constraint_sql(&ddl, c, n, &d->constraints.v[k], false, err) < 0)
                goto done;
            warn_unenforced(s, c, n, &d->constraints.v[k]);
        }
        /* a model-level not_null applies to its columns' definitions */
        for (size_t k = 0; k < n->constraints.n; k++) {
            const struct xf_constraint *m = &n->constraints.v[k];
            if (strcmp(m->type, "not_null"))
                continue;
            for (size_t j = 0; j < m->columns.n; j++)
                if (!strcasecmp(m->columns.v[j], d->name))
                    xf_buf_adds(&ddl, " not null");
        }
    }
    for (size_t k = 0; k < n->constraints.n; k++) {
        const struct xf_constraint *m = &n->constraints.v[k];
        if (!strcmp(m->type, "not_null"))
            continue;
        xf_buf_adds(&ddl, ",\n   ");
        if (constraint_sql(&ddl, c, n, m, true, err) < 0)
            goto done;
        warn_unenforced(s, c, n, m);
    }
    xf_buf_adds(&ddl, "\n)");
    if (!c->ops->replace_table_ddl) {
        xf_buf_addf(err, "the %s adapter cannot create a table from a contract", c->ops->name);
        goto done;
    }
    if (c->ops->ensure_schema(c, n->schema, err) < 0)
        goto done;
    struct xf_relation rel = {n->database, n->schema, n->alias};
    ret = c->ops->replace_table_ddl(c, &rel, ddl.ptr, list.ptr, sql, hook, executed, err);
done:
    xf_buf_release(&ddl);
    xf_buf_release(&list);
    return ret;
}

bool xf_contract_has_constraints(const struct xf_node *n)
{
    if (n->constraints.n)
        return true;
    for (size_t i = 0; i < n->columns.n; i++)
        if (n->columns.v[i].constraints.n)
            return true;
    return false;
}

void xf_contract_warn_view(struct xf_session *s, const struct xf_node *n)
{
    /* dbt's warn_unsupported: each constraint may silence the warning */
    bool warn = false;
    for (size_t k = 0; k < n->constraints.n; k++)
        warn = warn || n->constraints.v[k].warn_unsupported;
    for (size_t i = 0; i < n->columns.n; i++)
        for (size_t k = 0; k < n->columns.v[i].constraints.n; k++)
            warn = warn || n->columns.v[i].constraints.v[k].warn_unsupported;
    if (!warn)
        return;
    struct xf_diag *g = xf_diag_add(s->diags, XF_SEV_WARNING, n->props_loc,
                                    "constraints of view '%s' are not enforced: constraint "
                                    "types are not supported for view materializations",
                                    n->name);
    xf_diag_hint(g, "materialize it as a table for the database to enforce them; its columns "
                    "and data types are still checked");
}
