// SPDX-License-Identifier: MIT
/*
 * Query results as templates see them: the part of agate's Table that
 * dbt packages use (run_query(), load_result('x')['table']): .rows,
 * .columns (by position or name, .items(), .keys(), .values()),
 * .column_names, .print_table(); rows by position, by name and as
 * attributes (row.table_name); columns with .name and .values(). All
 * views over one xf_result, made in the render's arena.
 */
#include <string.h>

#include "engine/internal.h"

struct table {
    struct xf_result res;
    struct xf_value rows;    /* list of row objects */
    struct xf_value columns; /* the columns object */
    struct xf_value data;    /* list of tuples: load_result(...)['data'] */
};

struct row {
    const struct table *t;
    size_t i;
};

struct column {
    const struct table *t;
    size_t col;
};

static const struct xf_value *cell(const struct table *t, size_t row, size_t col)
{
    return &t->res.cells[row * t->res.ncols + col];
}

static long find_col(const struct table *t, struct xf_str name)
{
    for (size_t j = 0; j < t->res.ncols; j++)
        if (xf_str_eqc(name, t->res.colnames[j]))
            return (long)j;
    return -1;
}

static struct xf_value obj(struct xf_arena *a, const struct xf_obj_ops *ops, void *data)
{
    struct xf_obj *o = XF_ANEW(a, struct xf_obj);
    o->ops = ops;
    o->data = data;
    return xf_v_obj(o);
}

static struct xf_value bound(struct xf_render *r, const char *name, xf_native_fn fn,
                             const void *self)
{
    struct xf_func *f = XF_ANEW(xf_render_arena(r), struct xf_func);
    f->name = name;
    f->fn = fn;
    f->self = self;
    return xf_v_func(f);
}

/* Position from an int key (negative from the end); -1 when out of range. */
static long index_of(const struct xf_value *key, size_t n)
{
    if (key->t != XF_V_INT)
        return -1;
    int64_t i = key->u.i < 0 ? key->u.i + (int64_t)n : key->u.i;
    return i < 0 || (size_t)i >= n ? -1 : (long)i;
}

/* ---- columns ---- */

static int col_values(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                      const struct xf_args *a)
{
    const struct column *c = self->self;
    struct xf_arena *ar = xf_render_arena(r);
    *out = xf_v_list(ar, c->t->res.nrows);
    for (size_t i = 0; i < c->t->res.nrows; i++)
        xf_list_push(ar, out->u.l, *cell(c->t, i, c->col));
    return 0;
}

static int col_values_distinct(struct xf_value *out, struct xf_render *r,
                               const struct xf_func *self, const struct xf_args *a)
{
    const struct column *c = self->self;
    struct xf_arena *ar = xf_render_arena(r);
    *out = xf_v_list(ar, c->t->res.nrows);
    for (size_t i = 0; i < c->t->res.nrows; i++) {
        const struct xf_value *v = cell(c->t, i, c->col);
        bool dup = false;
        for (size_t k = 0; k < out->u.l->n && !dup; k++)
            dup = xf_value_equal(&out->u.l->items[k], v);
        if (!dup)
            xf_list_push(ar, out->u.l, *v);
    }
    return 0;
}

static int column_getattr(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                          struct xf_str name)
{
    const struct column *c = o->data;
    if (xf_str_eqc(name, "name"))
        *out = xf_v_strc(c->t->res.colnames[c->col]);
    else if (xf_str_eqc(name, "values"))
        *out = bound(r, "values", col_values, c);
    else if (xf_str_eqc(name, "values_distinct"))
        *out = bound(r, "values_distinct", col_values_distinct, c);
    else
        return 1;
    return 0;
}

static int column_getitem(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                          const struct xf_value *key)
{
    const struct column *c = o->data;
    long i = index_of(key, c->t->res.nrows);
    if (i < 0)
        return 1;
    *out = *cell(c->t, (size_t)i, c->col);
    return 0;
}

static int column_iter(struct xf_value *out, struct xf_render *r, const struct xf_obj *o)
{
    struct xf_func f = {"values", col_values, NULL, o->data};
    return col_values(out, r, &f, NULL);
}

static void column_str(struct xf_buf *out, const struct xf_obj *o)
{
    const struct column *c = o->data;
    xf_buf_addf(out, "<agate.Column: %s>", c->t->res.colnames[c->col]);
}

static const struct xf_obj_ops column_ops = {
    .type_name = "agate.Column",
    .getattr = column_getattr,
    .getitem = column_getitem,
    .iter = column_iter,
    .str = column_str,
};

/* ---- the columns of a table (agate's MappedSequence) ---- */

static struct xf_value column_value(struct xf_arena *a, const struct table *t, size_t j)
{
    struct column *c = XF_ANEW(a, struct column);
    c->t = t;
    c->col = j;
    return obj(a, &column_ops, c);
}

static int cols_keys(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                     const struct xf_args *a)
{
    const struct table *t = self->self;
    struct xf_arena *ar = xf_render_arena(r);
    *out = xf_v_list(ar, t->res.ncols);
    for (size_t j = 0; j < t->res.ncols; j++)
        xf_list_push(ar, out->u.l, xf_v_strc(t->res.colnames[j]));
    return 0;
}

static int cols_values(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                       const struct xf_args *a)
{
    const struct table *t = self->self;
    struct xf_arena *ar = xf_render_arena(r);
    *out = xf_v_list(ar, t->res.ncols);
    for (size_t j = 0; j < t->res.ncols; j++)
        xf_list_push(ar, out->u.l, column_value(ar, t, j));
    return 0;
}

static int cols_items(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                      const struct xf_args *a)
{
    const struct table *t = self->self;
    struct xf_arena *ar = xf_render_arena(r);
    *out = xf_v_list(ar, t->res.ncols);
    for (size_t j = 0; j < t->res.ncols; j++) {
        struct xf_value pair = xf_v_list(ar, 2);
        pair.u.l->tuple = true;
        xf_list_push(ar, pair.u.l, xf_v_strc(t->res.colnames[j]));
        xf_list_push(ar, pair.u.l, column_value(ar, t, j));
        xf_list_push(ar, out->u.l, pair);
    }
    return 0;
}

static int cols_getattr(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                        struct xf_str name)
{
    const struct table *t = o->data;
    if (xf_str_eqc(name, "keys"))
        *out = bound(r, "keys", cols_keys, t);
    else if (xf_str_eqc(name, "values"))
        *out = bound(r, "values", cols_values, t);
    else if (xf_str_eqc(name, "items"))
        *out = bound(r, "items", cols_items, t);
    else
        return 1;
    return 0;
}

static int cols_getitem(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                        const struct xf_value *key)
{
    const struct table *t = o->data;
    long j = key->t == XF_V_STR ? find_col(t, key->u.s) : index_of(key, t->res.ncols);
    if (j < 0)
        return 1;
    *out = column_value(xf_render_arena(r), t, (size_t)j);
    return 0;
}

static int cols_iter(struct xf_value *out, struct xf_render *r, const struct xf_obj *o)
{
    struct xf_func f = {"values", cols_values, NULL, o->data};
    return cols_values(out, r, &f, NULL);
}

static const struct xf_obj_ops columns_ops = {
    .type_name = "agate.MappedSequence",
    .getattr = cols_getattr,
    .getitem = cols_getitem,
    .iter = cols_iter,
};

/* ---- rows ---- */

static int row_values(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                      const struct xf_args *a)
{
    const struct row *w = self->self;
    *out = w->t->data.u.l->items[w->i];
    return 0;
}

static int row_keys(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                    const struct xf_args *a)
{
    const struct row *w = self->self;
    struct xf_func f = {"keys", cols_keys, NULL, w->t};
    return cols_keys(out, r, &f, a);
}

static int row_items(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                     const struct xf_args *a)
{
    const struct row *w = self->self;
    struct xf_arena *ar = xf_render_arena(r);
    *out = xf_v_list(ar, w->t->res.ncols);
    for (size_t j = 0; j < w->t->res.ncols; j++) {
        struct xf_value pair = xf_v_list(ar, 2);
        pair.u.l->tuple = true;
        xf_list_push(ar, pair.u.l, xf_v_strc(w->t->res.colnames[j]));
        xf_list_push(ar, pair.u.l, *cell(w->t, w->i, j));
        xf_list_push(ar, out->u.l, pair);
    }
    return 0;
}

static int row_get(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                   const struct xf_args *a)
{
    const struct row *w = self->self;
    const struct xf_value *k = xf_arg(a, 0, "key"), *def = xf_arg(a, 1, "default");
    long j = k && k->t == XF_V_STR ? find_col(w->t, k->u.s) : -1;
    *out = j >= 0 ? *cell(w->t, w->i, (size_t)j) : def && def->t != XF_V_UNDEF ? *def : xf_v_none();
    return 0;
}

static int row_getattr(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                       struct xf_str name)
{
    const struct row *w = o->data;
    long j = find_col(w->t, name);
    if (j >= 0) {
        *out = *cell(w->t, w->i, (size_t)j);
        return 0;
    }
    static const struct {
        const char *name;
        xf_native_fn fn;
    } m[] = {{"values", row_values}, {"keys", row_keys}, {"items", row_items}, {"get", row_get}};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (xf_str_eqc(name, m[i].name)) {
            *out = bound(r, m[i].name, m[i].fn, w);
            return 0;
        }
    return 1;
}

static int row_getitem(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                       const struct xf_value *key)
{
    const struct row *w = o->data;
    long j = key->t == XF_V_STR ? find_col(w->t, key->u.s) : index_of(key, w->t->res.ncols);
    if (j < 0)
        return 1;
    *out = *cell(w->t, w->i, (size_t)j);
    return 0;
}

static int row_iter(struct xf_value *out, struct xf_render *r, const struct xf_obj *o)
{
    const struct row *w = o->data;
    *out = w->t->data.u.l->items[w->i];
    return 0;
}

static void row_str(struct xf_buf *out, const struct xf_obj *o)
{
    const struct row *w = o->data;
    xf_value_repr(out, &w->t->data.u.l->items[w->i]);
}

static const struct xf_obj_ops row_ops = {
    .type_name = "agate.Row",
    .getattr = row_getattr,
    .getitem = row_getitem,
    .iter = row_iter,
    .str = row_str,
};

/* ---- the table ---- */

static int t_print_table(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                         const struct xf_args *a)
{
    /* agate prints to stdout; xform's output is its own: nothing to print. */
    *out = xf_v_none();
    return 0;
}

static int table_getattr(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                         struct xf_str name)
{
    struct table *t = o->data;
    if (xf_str_eqc(name, "rows")) {
        *out = t->rows;
    } else if (xf_str_eqc(name, "columns")) {
        *out = t->columns;
    } else if (xf_str_eqc(name, "column_names")) {
        struct xf_func f = {"keys", cols_keys, NULL, t};
        return cols_keys(out, r, &f, NULL);
    } else if (xf_str_eqc(name, "print_table")) {
        *out = bound(r, "print_table", t_print_table, t);
    } else {
        return 1;
    }
    return 0;
}

static int table_getitem(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                         const struct xf_value *key)
{
    struct table *t = o->data;
    if (key->t != XF_V_INT)
        return 1;
    long i = index_of(key, t->res.nrows);
    if (i < 0)
        return xf_render_error(r, "row %lld is out of range: the result has %zu rows",
                               (long long)key->u.i, t->res.nrows);
    *out = t->rows.u.l->items[i];
    return 0;
}

static int table_iter(struct xf_value *out, struct xf_render *r, const struct xf_obj *o)
{
    *out = ((struct table *)o->data)->rows;
    return 0;
}

static const struct xf_obj_ops table_ops = {
    .type_name = "agate.Table",
    .getattr = table_getattr,
    .getitem = table_getitem,
    .iter = table_iter,
};

struct xf_value xf_agate_table(struct xf_arena *a, const struct xf_result *res)
{
    struct table *t = XF_ANEW(a, struct table);
    t->res = *res;
    t->data = xf_v_list(a, res->nrows);
    t->rows = xf_v_list(a, res->nrows);
    for (size_t i = 0; i < res->nrows; i++) {
        struct xf_value tup = xf_v_list(a, res->ncols);
        tup.u.l->tuple = true;
        for (size_t j = 0; j < res->ncols; j++)
            xf_list_push(a, tup.u.l, *cell(t, i, j));
        xf_list_push(a, t->data.u.l, tup);
        struct row *w = XF_ANEW(a, struct row);
        w->t = t;
        w->i = i;
        xf_list_push(a, t->rows.u.l, obj(a, &row_ops, w));
    }
    t->columns = obj(a, &columns_ops, t);
    return obj(a, &table_ops, t);
}

struct xf_value xf_agate_data(struct xf_arena *a, const struct xf_value *table)
{
    if (table->t == XF_V_OBJ && table->u.o->ops == &table_ops)
        return ((const struct table *)table->u.o->data)->data;
    return xf_v_list(a, 0);
}
