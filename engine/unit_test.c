// SPDX-License-Identifier: MIT
/*
 * Runs one unit test (dbt 1.8): the model's SQL rendered with every given
 * input replaced by a CTE of its rows (no real table is read or written,
 * except a seed left out of `given`, which is its own input as in dbt),
 * the overrides applied (macros, vars, env_vars; is_incremental() is
 * false unless overridden), then the rows it returns compared with the
 * expected ones as a multiset over the columns `expect` names. A failure
 * carries a table of the differing rows.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/internal.h"

/* ---- the given rows as SQL ------------------------------------------------ */

static bool numeric_text(struct xf_str s)
{
    if (!s.len || s.len > 60)
        return false;
    char buf[64], *end;
    memcpy(buf, s.p, s.len);
    buf[s.len] = '\0';
    if (buf[0] == ' ' || buf[s.len - 1] == ' ')
        return false;
    strtod(buf, &end);
    return *end == '\0' && strcasecmp(buf, "nan") && strcasecmp(buf, "inf") &&
           strcasecmp(buf, "infinity") && strncasecmp(buf, "0x", 2);
}

/* SQLite's affinity rule: does a column of this declared type hold numbers? */
static bool numeric_type(const char *t)
{
    if (!t || !*t)
        return false;
    static const char *const num[] = {"int", "real", "floa", "doub", "num", "dec"};
    for (size_t i = 0; i < sizeof num / sizeof num[0]; i++)
        if (strcasestr(t, num[i]))
            return !strcasestr(t, "char") && !strcasestr(t, "text") && !strcasestr(t, "clob");
    return false;
}

static void quoted(struct xf_buf *out, struct xf_str s)
{
    xf_buf_addch(out, '\'');
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] == '\'')
            xf_buf_addch(out, '\'');
        xf_buf_addch(out, s.p[i]);
    }
    xf_buf_addch(out, '\'');
}

/*
 * One cell. `type` is the input column's type when the database told us
 * (NULL otherwise). Where the adapter's literals carry their own type
 * (SQLite), a CAST could only hurt ('2024-01-01' AS DATE is 2024 there):
 * numbers-as-text become numbers for a numeric column and nothing else
 * changes. Elsewhere every cell is CAST to the column's type, as dbt does.
 */
static void literal(struct xf_buf *out, const struct xf_value *v, const char *type, bool typeless,
                    bool from_csv)
{
    bool cast = type && *type && !typeless;
    if (cast)
        xf_buf_adds(out, "CAST(");
    switch (v->t) {
    case XF_V_NONE:
    case XF_V_UNDEF:
        xf_buf_adds(out, "NULL");
        break;
    case XF_V_BOOL:
        xf_buf_adds(out, v->u.b ? "TRUE" : "FALSE");
        break;
    case XF_V_INT:
    case XF_V_FLOAT:
        xf_value_str(out, v);
        break;
    case XF_V_STR:
        if (!cast && numeric_text(v->u.s) && (numeric_type(type) || (!type && from_csv)))
            xf_buf_add(out, v->u.s.p, v->u.s.len);
        else
            quoted(out, v->u.s);
        break;
    default: {
        struct xf_buf b = XF_BUF_INIT;
        xf_value_str(&b, v);
        quoted(out, xf_buf_str(&b));
        xf_buf_release(&b);
        break;
    }
    }
    if (cast)
        xf_buf_addf(out, " AS %s)", type);
}

/* The input relation's columns, when it exists in the warehouse (else n = 0). */
static int input_columns(struct xf_session *s, struct xf_conn *c, const struct xf_node *in,
                         struct xf_arena *a, struct xf_column_info **cols, size_t *n,
                         struct xf_buf *err)
{
    *n = 0;
    *cols = NULL;
    if (!in || !in->schema)
        return 0;
    const char *ident = in->type == XF_RES_SOURCE ? (in->identifier ? in->identifier : in->name)
                                                  : (in->alias ? in->alias : in->name);
    if (in->type == XF_RES_MODEL && in->mat == XF_MAT_EPHEMERAL)
        return 0;
    if (xf_session_existing(s, in->schema, ident) == XF_REL_NONE)
        return 0;
    struct xf_relation rel = {in->database, in->schema, ident};
    return c->ops->columns(c, &rel, a, cols, n, err);
}

/*
 * The CTE body for one input: its rows as `select ... union all select
 * ...`, every column of the input relation present (NULL where a row
 * leaves it out) when its columns are known, else the columns the rows
 * name. A row naming a column the relation does not have is an error.
 */
static int rows_sql(struct xf_session *s, struct xf_conn *c, const struct xf_node *ut,
                    const struct xf_ut_given *gv, const struct xf_node *in, struct xf_arena *a,
                    struct xf_buf *out, struct xf_buf *err)
{
    const struct xf_ut_rows *r = &gv->rows;
    if (!strcmp(r->format, "sql")) {
        xf_buf_adds(out, r->sql ? r->sql : "");
        return 0;
    }
    struct xf_column_info *cols;
    size_t ncols;
    struct xf_buf e2 = XF_BUF_INIT;
    if (input_columns(s, c, in, a, &cols, &ncols, &e2) < 0)
        ncols = 0; /* cannot tell: type from the rows only */
    xf_buf_release(&e2);
    bool typeless = c->ops->typeless_literals; /* see literal() */
    const struct xf_list *names = r->names.u.l;
    if (ncols) {
        for (size_t k = 0; k < names->n; k++) {
            bool ok = false;
            for (size_t j = 0; j < ncols && !ok; j++)
                ok = xf_str_eqc(names->items[k].u.s, cols[j].name) ||
                     (c->ops->unquoted_case == 'l' &&
                      names->items[k].u.s.len == strlen(cols[j].name) &&
                      !strncasecmp(names->items[k].u.s.p, cols[j].name, names->items[k].u.s.len));
            if (ok)
                continue;
            const char **cn = XF_ANEWN(a, const char *, ncols + 1);
            for (size_t j = 0; j < ncols; j++)
                cn[j] = cols[j].name;
            const char *sug = xf_str_suggest(names->items[k].u.s, cn, ncols);
            xf_buf_addf(err,
                        "unit test '%s' gives column '%.*s' for %s, which has no such column%s%s%s",
                        ut->name, XF_STR_ARG(names->items[k].u.s), gv->input,
                        sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
            return -1;
        }
    }
    size_t nout = ncols ? ncols : names->n;
    if (!nout) {
        xf_buf_adds(out, "select 1 as xform_unit_empty where 1 = 0");
        return 0;
    }
    const struct xf_list *rows = r->rows.u.l;
    size_t nrows = rows->n ? rows->n : 1; /* no rows: one typed row filtered away */
    for (size_t i = 0; i < nrows; i++) {
        xf_buf_adds(out, i ? "\nunion all\nselect " : "select ");
        const struct xf_dict *row = rows->n ? rows->items[i].u.d : NULL;
        for (size_t k = 0; k < nout; k++) {
            const char *name = ncols ? cols[k].name : NULL;
            struct xf_str key = name ? xf_str_c(name) : names->items[k].u.s;
            const struct xf_value *v = NULL;
            for (size_t j = 0; row && j < row->n && !v; j++)
                if (xf_str_eq(row->ents[j].key, key) ||
                    (c->ops->unquoted_case == 'l' && row->ents[j].key.len == key.len &&
                     !strncasecmp(row->ents[j].key.p, key.p, key.len)))
                    v = &row->ents[j].val;
            struct xf_value none = xf_v_none();
            if (k)
                xf_buf_adds(out, ", ");
            literal(out, v ? v : &none, ncols ? cols[k].data_type : NULL, typeless,
                    !strcmp(r->format, "csv"));
            xf_buf_adds(out, " as ");
            char *kz = xf_arena_strndup(a, key.p, key.len);
            c->ops->quote(out, kz);
        }
        if (!rows->n)
            xf_buf_adds(out, " where 1 = 0");
    }
    return 0;
}

/* ---- overrides -------------------------------------------------------------- */

static int const_fn(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                    const struct xf_args *a)
{
    (void)r;
    (void)a;
    *out = *(const struct xf_value *)self->data;
    return 0;
}

/* The globals with overrides.macros replacing macros by their values. */
static const struct xf_dict *override_globals(struct xf_arena *a, const struct xf_dict *globals,
                                              const struct xf_value *macros)
{
    struct xf_value g = xf_v_dict(a, globals->n + 2);
    for (size_t i = 0; i < globals->n; i++)
        xf_dict_set(a, g.u.d, globals->ents[i].key, globals->ents[i].val);
    static const struct xf_value no = {.t = XF_V_BOOL, .u.b = false};
    struct xf_func *inc = XF_ANEW(a, struct xf_func);
    inc->name = "is_incremental";
    inc->fn = const_fn;
    inc->data = (void *)&no;
    xf_dict_set(a, g.u.d, XF_STR("is_incremental"), xf_v_func(inc));
    for (size_t i = 0; macros && macros->t == XF_V_DICT && i < macros->u.d->n; i++) {
        struct xf_func *f = XF_ANEW(a, struct xf_func);
        f->name = xf_arena_strndup(a, macros->u.d->ents[i].key.p, macros->u.d->ents[i].key.len);
        f->fn = const_fn;
        f->data = (void *)&macros->u.d->ents[i].val;
        xf_dict_set(a, g.u.d, macros->u.d->ents[i].key, xf_v_func(f));
    }
    return g.u.d;
}

/* ---- comparing -------------------------------------------------------------- */

struct table {
    size_t ncols, nrows;
    const char **cols;
    char **cells; /* nrows * ncols display strings; NULL cell: NULL */
    char **keys;  /* per row: the comparison key */
};

/* A cell as compared: numbers in one form, booleans as 1/0, NULL apart. */
static void cell_key(struct xf_buf *out, const char *cell, bool bool_col)
{
    if (!cell) {
        xf_buf_adds(out, "\x01");
        return;
    }
    if (bool_col || !strcasecmp(cell, "true") || !strcasecmp(cell, "false")) {
        if (!strcasecmp(cell, "t") || !strcasecmp(cell, "true")) {
            xf_buf_adds(out, "1");
            return;
        }
        if (!strcasecmp(cell, "f") || !strcasecmp(cell, "false")) {
            xf_buf_adds(out, "0");
            return;
        }
    }
    if (numeric_text(xf_str_c(cell))) {
        double d = strtod(cell, NULL);
        if (d == 0)
            d = 0; /* -0 */
        xf_buf_addf(out, "%.12g", d);
        return;
    }
    xf_buf_adds(out, cell);
}

static char *display(struct xf_arena *a, const struct xf_value *v)
{
    if (!v || v->t == XF_V_NONE || v->t == XF_V_UNDEF)
        return NULL;
    if (v->t == XF_V_BOOL)
        return xf_arena_strdup(a, v->u.b ? "true" : "false");
    struct xf_buf b = XF_BUF_INIT;
    xf_value_str(&b, v);
    char *s = xf_arena_strndup(a, b.ptr, b.len);
    xf_buf_release(&b);
    return s;
}

static void make_keys(struct xf_arena *a, struct table *t, const bool *bool_col)
{
    t->keys = XF_ANEWN(a, char *, t->nrows + 1);
    struct xf_buf b = XF_BUF_INIT;
    for (size_t i = 0; i < t->nrows; i++) {
        xf_buf_reset(&b);
        for (size_t k = 0; k < t->ncols; k++) {
            cell_key(&b, t->cells[i * t->ncols + k], bool_col && bool_col[k]);
            xf_buf_addch(&b, '\x1f');
        }
        t->keys[i] = xf_arena_strndup(a, b.ptr, b.len);
    }
    xf_buf_release(&b);
}

static struct table from_result(struct xf_arena *a, const struct xf_result *res)
{
    struct table t = {res->ncols, res->nrows, NULL, NULL, NULL};
    t.cols = res->colnames;
    t.cells = XF_ANEWN(a, char *, res->nrows * res->ncols + 1);
    for (size_t i = 0; i < res->nrows * res->ncols; i++)
        t.cells[i] = display(a, &res->cells[i]);
    return t;
}

static int cmp_idx_key(const void *x, const void *y, void *keys)
{
    char **k = keys;
    return strcmp(k[*(const size_t *)x], k[*(const size_t *)y]);
}

static void sort_rows(size_t *idx, size_t n, char **keys)
{
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    /* insertion sort: unit test tables are small */
    for (size_t i = 1; i < n; i++) {
        size_t v = idx[i], j = i;
        while (j > 0 && cmp_idx_key(&idx[j - 1], &v, keys) > 0) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
}

struct diffrow {
    char sign; /* ' ' both, '-' expected only, '+' actual only */
    const struct table *t;
    size_t row;
};

/*
 * The readable diff: every row of both sides once, matched rows first
 * unmarked, then each expected row that is missing (-) next to the
 * unexpected actual rows (+), as a table with a header.
 */
static void write_diff(struct xf_buf *out, const struct table *exp, const struct table *act,
                       const struct diffrow *rows, size_t n, size_t nmissing, size_t nextra)
{
    size_t nc = exp->ncols;
    size_t *w = calloc(nc + 1, sizeof *w);
    for (size_t k = 0; k < nc; k++)
        w[k] = strlen(exp->cols[k]);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < nc; k++) {
            const char *c = rows[i].t->cells[rows[i].row * nc + k];
            size_t l = c ? strlen(c) : 4;
            if (l > w[k])
                w[k] = l;
        }
    xf_buf_addf(out,
                "actual differs from expected: %zu expected row%s missing, %zu unexpected "
                "row%s returned\n",
                nmissing, nmissing == 1 ? "" : "s", nextra, nextra == 1 ? "" : "s");
    xf_buf_adds(out, "(- expected but not returned, + returned but not expected)\n\n");
    xf_buf_adds(out, "    ");
    for (size_t k = 0; k < nc; k++)
        xf_buf_addf(out, "%s%-*s", k ? " | " : "", (int)w[k], exp->cols[k]);
    xf_buf_adds(out, "\n    ");
    for (size_t k = 0; k < nc; k++) {
        xf_buf_adds(out, k ? "-+-" : "");
        for (size_t j = 0; j < w[k]; j++)
            xf_buf_addch(out, '-');
    }
    xf_buf_addch(out, '\n');
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (shown++ == 50) {
            xf_buf_addf(out, "    ... %zu more rows\n", n - 50);
            break;
        }
        xf_buf_addf(out, "  %c ", rows[i].sign);
        for (size_t k = 0; k < nc; k++) {
            const char *c = rows[i].t->cells[rows[i].row * nc + k];
            xf_buf_addf(out, "%s%-*s", k ? " | " : "", (int)w[k], c ? c : "null");
        }
        /* trailing spaces out */
        while (out->len && out->ptr[out->len - 1] == ' ')
            out->ptr[--out->len] = '\0';
        xf_buf_addch(out, '\n');
    }
    (void)act;
    free(w);
}

/* 0 equal, 1 different (the diff in msg). */
static int compare(struct xf_arena *a, struct table *exp, struct table *act, const bool *bool_col,
                   struct xf_buf *msg)
{
    make_keys(a, exp, bool_col);
    make_keys(a, act, bool_col);
    size_t *ei = XF_ANEWN(a, size_t, exp->nrows + 1), *ai = XF_ANEWN(a, size_t, act->nrows + 1);
    sort_rows(ei, exp->nrows, exp->keys);
    sort_rows(ai, act->nrows, act->keys);
    struct diffrow *both = XF_ANEWN(a, struct diffrow, exp->nrows + act->nrows + 1);
    struct diffrow *miss = XF_ANEWN(a, struct diffrow, exp->nrows + 1);
    struct diffrow *extra = XF_ANEWN(a, struct diffrow, act->nrows + 1);
    size_t nb = 0, nm = 0, nx = 0, i = 0, j = 0;
    while (i < exp->nrows || j < act->nrows) {
        int c = i == exp->nrows   ? 1
                : j == act->nrows ? -1
                                  : strcmp(exp->keys[ei[i]], act->keys[ai[j]]);
        if (c == 0) {
            both[nb++] = (struct diffrow){' ', act, ai[j]};
            i++;
            j++;
        } else if (c < 0) {
            miss[nm++] = (struct diffrow){'-', exp, ei[i++]};
        } else {
            extra[nx++] = (struct diffrow){'+', act, ai[j++]};
        }
    }
    if (!nm && !nx)
        return 0;
    /* matched rows, then missing and unexpected ones side by side */
    for (size_t k = 0; k < nm || k < nx; k++) {
        if (k < nm)
            both[nb++] = miss[k];
        if (k < nx)
            both[nb++] = extra[k];
    }
    write_diff(msg, exp, act, both, nb, nm, nx);
    return 1;
}

/* ---- running ---------------------------------------------------------------- */

static const struct xf_node *input_node(const struct xf_node *model, const struct xf_ut_given *gv)
{
    if (gv->is_this)
        return model;
    if (gv->is_source) {
        for (size_t i = 0; i < model->source_deps.n; i++)
            if (!strcmp(model->source_deps.v[i].package, gv->dep.package) &&
                !strcmp(model->source_deps.v[i].name, gv->dep.name))
                return model->source_deps.v[i].node;
        return NULL;
    }
    for (size_t i = 0; i < model->refs.n; i++)
        if (!strcmp(model->refs.v[i].name, gv->dep.name))
            return model->refs.v[i].node;
    return NULL;
}

static char *cte_name(struct xf_arena *a, const struct xf_ut_given *gv, size_t i)
{
    const char *base = gv->is_this ? "this" : gv->dep.name;
    char *s = xf_arena_printf(a, "__xform__unit__%zu_%s", i, base);
    for (char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            *p = '_';
    return s;
}

void xf_unit_test_run(struct xf_session *s, struct xf_conn *conn, struct xf_arena *keep,
                      struct xf_node *n, struct xf_node_result *r)
{
    const struct xf_unit_test *u = n->unit;
    struct xf_node *model = n->refs.n ? n->refs.v[0].node : NULL;
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_buf sql = XF_BUF_INIT, err = XF_BUF_INIT, q = XF_BUF_INIT, msg = XF_BUF_INIT;
    r->status = XF_ST_ERROR;
    if (!model || !model->tmpl) {
        r->message = xf_arena_printf(keep, "unit test '%s': model '%s' has no SQL to test", n->name,
                                     u->model);
        goto done;
    }

    /* the inputs, as CTEs */
    struct xf_ut_ctx uc = {0};
    uc.inputs = xf_v_dict(&a, u->given.n + 1).u.d;
    struct xf_dict *ctes = xf_v_dict(&a, u->given.n + 4).u.d;
    for (size_t i = 0; i < u->given.n; i++) {
        const struct xf_ut_given *gv = &u->given.v[i];
        struct xf_buf body = XF_BUF_INIT;
        int e = rows_sql(s, conn, n, gv, input_node(model, gv), &a, &body, &err);
        char *name = cte_name(&a, gv, i);
        xf_dict_set(&a, ctes, xf_str_c(name),
                    xf_v_str((struct xf_str){xf_arena_strndup(&a, body.ptr, body.len), body.len}));
        xf_buf_release(&body);
        if (e < 0) {
            r->message = xf_arena_strndup(keep, err.ptr, err.len);
            goto done;
        }
        if (gv->is_this)
            uc.this_cte = name;
        else
            xf_dict_set(&a, uc.inputs,
                        xf_str_c(gv->is_source ? xf_arena_printf(&a, "%s\x1f%s", gv->dep.package,
                                                                 gv->dep.name)
                                               : gv->dep.name),
                        xf_v_strc(name));
    }
    /* a seed left out of `given` is read from its CSV file, as dbt does */
    for (size_t i = 0; i < model->refs.n; i++) {
        const struct xf_node *sd = model->refs.v[i].node;
        if (!sd || sd->type != XF_RES_SEED || !sd->csv ||
            xf_dict_getc(uc.inputs, model->refs.v[i].name))
            continue;
        struct xf_ut_given *gv = XF_ANEW(&a, struct xf_ut_given);
        gv->input = xf_arena_printf(&a, "ref('%s')", sd->name);
        gv->dep.name = sd->name;
        gv->rows.format = "csv";
        gv->rows.rows = xf_v_list(&a, sd->csv->nrows);
        gv->rows.names = xf_v_list(&a, sd->csv->ncols);
        const struct xf_csv *csv = sd->csv;
        for (size_t c = 0; c < csv->ncols; c++)
            xf_list_push(&a, gv->rows.names.u.l, xf_v_str(csv->header[c]));
        for (size_t rr = 0; rr < csv->nrows; rr++) {
            struct xf_value row = xf_v_dict(&a, csv->ncols);
            for (size_t c = 0; c < csv->ncols; c++) {
                struct xf_str cell = csv->cells[rr * csv->ncols + c];
                xf_dict_set(&a, row.u.d, csv->header[c], cell.p ? xf_v_str(cell) : xf_v_none());
            }
            xf_list_push(&a, gv->rows.rows.u.l, row);
        }
        struct xf_buf body = XF_BUF_INIT;
        int e = rows_sql(s, conn, n, gv, sd, &a, &body, &err);
        char *name = cte_name(&a, gv, u->given.n + i);
        xf_dict_set(&a, ctes, xf_str_c(name),
                    xf_v_str((struct xf_str){xf_arena_strndup(&a, body.ptr, body.len), body.len}));
        xf_buf_release(&body);
        if (e < 0) {
            r->message = xf_arena_strndup(keep, err.ptr, err.len);
            goto done;
        }
        xf_dict_set(&a, uc.inputs, xf_str_c(sd->name), xf_v_strc(name));
    }
    const struct xf_value *ov = &u->overrides;
    uc.vars = ov->t == XF_V_DICT ? xf_dict_getc(ov->u.d, "vars") : NULL;
    uc.env_vars = ov->t == XF_V_DICT ? xf_dict_getc(ov->u.d, "env_vars") : NULL;
    const struct xf_value *macros = ov->t == XF_V_DICT ? xf_dict_getc(ov->u.d, "macros") : NULL;

    /* the model, rendered against them */
    struct xf_rctx rc = {.s = s, .node = model, .execute = true, .conn = conn, .arena = &a};
    rc.ut = &uc;
    struct xf_diags local;
    xf_diags_init(&local);
    rc.diags = &local;
    struct xf_render_env env;
    xf_context_env(&env, &rc);
    env.globals = override_globals(&a, env.globals, macros);
    int e = xf_render_template(&sql, model->tmpl, &env);
    if (e < 0) {
        for (struct xf_diag *g = local.head; g; g = g->next)
            xf_diag_format(&msg, g, false);
        xf_diags_release(&local);
        r->message = xf_arena_printf(keep, "unit test '%s' could not render model '%s':\n%s",
                                     n->name, model->name, msg.ptr);
        r->compile_error = true;
        goto done;
    }
    xf_diags_release(&local);
    /* ephemeral parents the model reads (not given) after the inputs */
    for (size_t i = 0; rc.ctes && i < rc.ctes->n; i++)
        xf_dict_set(&a, ctes, rc.ctes->ents[i].key, rc.ctes->ents[i].val);
    struct xf_buf with = XF_BUF_INIT;
    xf_inject_ctes(&with, sql.ptr, ctes);

    /* expected rows */
    struct table exp = {0};
    const struct xf_ut_rows *x = &u->expect;
    if (!strcmp(x->format, "sql")) {
        struct xf_result res;
        xf_buf_reset(&err);
        if (conn->ops->query(conn, x->sql ? x->sql : "", &a, &res, &err) < 0) {
            r->message = xf_arena_printf(keep, "unit test '%s': the expected rows (sql) failed: %s",
                                         n->name, err.ptr);
            xf_buf_release(&with);
            goto done;
        }
        exp = from_result(&a, &res);
    } else {
        const struct xf_list *names = x->names.u.l, *rows = x->rows.u.l;
        exp.ncols = names->n;
        exp.nrows = rows->n;
        exp.cols = XF_ANEWN(&a, const char *, names->n + 1);
        for (size_t k = 0; k < names->n; k++)
            exp.cols[k] = xf_arena_strndup(&a, names->items[k].u.s.p, names->items[k].u.s.len);
        exp.cells = XF_ANEWN(&a, char *, rows->n * names->n + 1);
        for (size_t i = 0; i < rows->n; i++)
            for (size_t k = 0; k < names->n; k++)
                exp.cells[i * names->n + k] =
                    display(&a, xf_dict_get(rows->items[i].u.d, names->items[k].u.s));
    }

    /* actual rows, over the expected columns */
    xf_buf_adds(&q, "select ");
    for (size_t k = 0; k < exp.ncols; k++) {
        if (k)
            xf_buf_adds(&q, ", ");
        conn->ops->quote(&q, exp.cols[k]);
    }
    if (!exp.ncols)
        xf_buf_adds(&q, "*");
    xf_buf_addf(&q, " from (\n%s\n) as xform_unit_actual", with.ptr);
    xf_buf_release(&with);
    r->compiled_code = xf_arena_strndup(keep, q.ptr, q.len);
    r->compile_completed = r->execute_started = xf_now();
    struct xf_result res;
    xf_buf_reset(&err);
    if (conn->ops->query(conn, q.ptr, &a, &res, &err) < 0) {
        r->message = xf_arena_printf(keep, "unit test '%s' of model '%s' failed to run: %s",
                                     n->name, model->name, err.ptr);
        goto done;
    }
    struct table act = from_result(&a, &res);
    bool *bool_col = XF_ANEWN(&a, bool, act.ncols + 1);
    for (size_t k = 0; k < act.ncols; k++)
        bool_col[k] = res.coltypes && res.coltypes[k] && strcasestr(res.coltypes[k], "bool");
    if (compare(&a, &exp, &act, bool_col, &msg) == 0) {
        r->status = XF_ST_PASS;
        r->failures = 0;
        r->message = "PASS";
    } else {
        r->status = XF_ST_FAIL;
        r->failures = 1;
        r->message = xf_arena_printf(keep, "unit test '%s' of model '%s' failed: %s", n->name,
                                     model->name, msg.ptr);
    }
done:
    xf_buf_release(&sql);
    xf_buf_release(&err);
    xf_buf_release(&q);
    xf_buf_release(&msg);
    xf_arena_release(&a);
}
