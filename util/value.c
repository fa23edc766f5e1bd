// SPDX-License-Identifier: MIT
/*
 * Core operations on xf_value: construction, ordered dicts, truthiness,
 * equality and the Python-like string forms Jinja prints.
 */
#include "util/value.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/vec.h"

/* Dicts switch from a linear scan to a hash index past this size. */
#define DICT_INDEX_AT 12

struct xf_value xf_v_strdup(struct xf_arena *a, struct xf_str s)
{
    return xf_v_str((struct xf_str){xf_arena_strndup(a, s.p, s.len), s.len});
}

struct xf_value xf_v_list(struct xf_arena *a, size_t cap_hint)
{
    struct xf_list *l = XF_ANEW(a, struct xf_list);
    if (cap_hint) {
        l->items = XF_ANEWN(a, struct xf_value, cap_hint);
        l->cap = cap_hint;
    }
    return (struct xf_value){.t = XF_V_LIST, .u.l = l};
}

struct xf_value xf_v_dict(struct xf_arena *a, size_t cap_hint)
{
    struct xf_dict *d = XF_ANEW(a, struct xf_dict);
    if (cap_hint) {
        d->ents = XF_ANEWN(a, struct xf_dict_ent, cap_hint);
        d->cap = cap_hint;
    }
    return (struct xf_value){.t = XF_V_DICT, .u.d = d};
}

void xf_list_push(struct xf_arena *a, struct xf_list *l, struct xf_value v)
{
    xf_avec_reserve_(a, (void **)&l->items, &l->cap, l->n + 1, sizeof *l->items);
    l->items[l->n++] = v;
}

static void build_index(struct xf_arena *a, struct xf_dict *d)
{
    /* In the dict's arena, like the dict: it dies with it. */
    d->index = xf_arena_zalloc(a, sizeof *d->index);
    xf_map_init_arena(d->index, a);
    for (size_t i = 0; i < d->n; i++)
        xf_map_put(d->index, d->ents[i].key, (void *)(uintptr_t)(i + 1));
}

struct xf_value *xf_dict_get(const struct xf_dict *d, struct xf_str key)
{
    if (d->index) {
        uintptr_t i = (uintptr_t)xf_map_get(d->index, key);
        return i ? &d->ents[i - 1].val : NULL;
    }
    for (size_t i = 0; i < d->n; i++) {
        if (xf_str_eq(d->ents[i].key, key))
            return &d->ents[i].val;
    }
    return NULL;
}

void xf_dict_set(struct xf_arena *a, struct xf_dict *d, struct xf_str key, struct xf_value v)
{
    struct xf_value *old = xf_dict_get(d, key);
    if (old) {
        *old = v;
        return;
    }
    xf_avec_reserve_(a, (void **)&d->ents, &d->cap, d->n + 1, sizeof *d->ents);
    d->ents[d->n++] = (struct xf_dict_ent){key, v, false};
    if (d->index)
        xf_map_put(d->index, key, (void *)(uintptr_t)d->n);
    else if (d->n > DICT_INDEX_AT)
        build_index(a, d);
}

bool xf_dict_del(struct xf_dict *d, struct xf_str key)
{
    for (size_t i = 0; i < d->n; i++) {
        if (xf_str_eq(d->ents[i].key, key)) {
            memmove(&d->ents[i], &d->ents[i + 1], (d->n - i - 1) * sizeof *d->ents);
            d->n--;
            if (d->index) {
                /* Rebuild in the arena the old index lives in. */
                struct xf_arena *a = d->index->arena;
                d->index = NULL;
                if (d->n > DICT_INDEX_AT)
                    build_index(a, d);
            }
            return true;
        }
    }
    return false;
}

bool xf_value_truthy(const struct xf_value *v)
{
    switch (v->t) {
    case XF_V_UNDEF:
    case XF_V_NONE:
        return false;
    case XF_V_BOOL:
        return v->u.b;
    case XF_V_INT:
        return v->u.i != 0;
    case XF_V_FLOAT:
        return v->u.f != 0.0;
    case XF_V_STR:
        return v->u.s.len != 0;
    case XF_V_LIST:
        return v->u.l->n != 0;
    case XF_V_DICT:
        return v->u.d->n != 0;
    default:
        return true;
    }
}

bool xf_value_equal(const struct xf_value *a, const struct xf_value *b)
{
    bool an = a->t == XF_V_INT || a->t == XF_V_FLOAT || a->t == XF_V_BOOL;
    bool bn = b->t == XF_V_INT || b->t == XF_V_FLOAT || b->t == XF_V_BOOL;
    if (an && bn) {
        if (a->t != XF_V_FLOAT && b->t != XF_V_FLOAT) {
            int64_t x = a->t == XF_V_BOOL ? a->u.b : a->u.i;
            int64_t y = b->t == XF_V_BOOL ? b->u.b : b->u.i;
            return x == y;
        }
        double x = a->t == XF_V_FLOAT ? a->u.f : a->t == XF_V_BOOL ? a->u.b : (double)a->u.i;
        double y = b->t == XF_V_FLOAT ? b->u.f : b->t == XF_V_BOOL ? b->u.b : (double)b->u.i;
        return x == y;
    }
    if (a->t != b->t) {
        /* An object that prints as a string (a relation) equals that string. */
        return false;
    }
    switch (a->t) {
    case XF_V_UNDEF:
    case XF_V_NONE:
        return true;
    case XF_V_STR:
        return xf_str_eq(a->u.s, b->u.s);
    case XF_V_LIST:
        if (a->u.l->n != b->u.l->n)
            return false;
        for (size_t i = 0; i < a->u.l->n; i++) {
            if (!xf_value_equal(&a->u.l->items[i], &b->u.l->items[i]))
                return false;
        }
        return true;
    case XF_V_DICT:
        if (a->u.d->n != b->u.d->n)
            return false;
        for (size_t i = 0; i < a->u.d->n; i++) {
            const struct xf_value *o = xf_dict_get(b->u.d, a->u.d->ents[i].key);
            if (!o || !xf_value_equal(&a->u.d->ents[i].val, o))
                return false;
        }
        return true;
    case XF_V_FUNC:
        return a->u.fn == b->u.fn;
    case XF_V_OBJ:
        return a->u.o == b->u.o;
    default:
        return false;
    }
}

const char *xf_value_type_name(const struct xf_value *v)
{
    switch (v->t) {
    case XF_V_UNDEF:
        return "undefined";
    case XF_V_NONE:
        return "none";
    case XF_V_BOOL:
        return "boolean";
    case XF_V_INT:
        return "integer";
    case XF_V_FLOAT:
        return "float";
    case XF_V_STR:
        return "string";
    case XF_V_LIST:
        return v->u.l->tuple ? "tuple" : "list";
    case XF_V_DICT:
        return "dict";
    case XF_V_FUNC:
        return "function";
    case XF_V_OBJ:
        return v->u.o->ops->type_name;
    }
    return "value";
}

static void add_float(struct xf_buf *out, double f)
{
    if (isinf(f)) {
        xf_buf_adds(out, f > 0 ? "inf" : "-inf");
        return;
    }
    if (isnan(f)) {
        xf_buf_adds(out, "nan");
        return;
    }
    /* Python's repr: the shortest digits that read back, in fixed notation
     * for exponents -4..15 (always with a dot), scientific otherwise. */
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, f);
        if (strtod(tmp, NULL) == f)
            break;
    }
    char digits[24];
    size_t nd = 0;
    const char *p = tmp;
    if (*p == '-') {
        xf_buf_addch(out, '-');
        p++;
    }
    for (; *p && *p != 'e'; p++) {
        if (*p != '.' && nd < sizeof digits - 1)
            digits[nd++] = *p;
    }
    digits[nd] = 0;
    int e = *p == 'e' ? atoi(p + 1) : 0;
    if (e >= -4 && e < 16) {
        if (e >= 0) {
            for (int i = 0; i <= e; i++)
                xf_buf_addch(out, (size_t)i < nd ? digits[i] : '0');
            xf_buf_addch(out, '.');
            if ((size_t)e + 1 < nd)
                xf_buf_adds(out, digits + e + 1);
            else
                xf_buf_addch(out, '0');
        } else {
            xf_buf_adds(out, "0.");
            for (int i = 0; i < -e - 1; i++)
                xf_buf_addch(out, '0');
            xf_buf_adds(out, digits);
        }
        return;
    }
    xf_buf_addch(out, digits[0]);
    if (nd > 1) {
        xf_buf_addch(out, '.');
        xf_buf_adds(out, digits + 1);
    }
    xf_buf_addf(out, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
}

const char *xf_value_text(struct xf_arena *a, const struct xf_value *v)
{
    if (!v || v->t == XF_V_NONE || v->t == XF_V_UNDEF)
        return NULL;
    if (v->t == XF_V_STR)
        return xf_arena_strdups(a, v->u.s);
    struct xf_buf b = XF_BUF_INIT;
    xf_value_str(&b, v);
    char *s = xf_arena_strndup(a, b.ptr, b.len);
    xf_buf_release(&b);
    return s;
}

void xf_value_str(struct xf_buf *out, const struct xf_value *v)
{
    switch (v->t) {
    case XF_V_UNDEF:
        return;
    case XF_V_STR:
        xf_buf_addstr(out, v->u.s);
        return;
    case XF_V_OBJ:
        if (v->u.o->ops->str)
            v->u.o->ops->str(out, v->u.o);
        else
            xf_buf_addf(out, "<%s>", v->u.o->ops->type_name);
        return;
    default:
        xf_value_repr(out, v);
    }
}

static void repr_str(struct xf_buf *out, struct xf_str s)
{
    bool has_sq = memchr(s.p, '\'', s.len) != NULL;
    bool has_dq = memchr(s.p, '"', s.len) != NULL;
    char q = has_sq && !has_dq ? '"' : '\'';
    xf_buf_addch(out, q);
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (c == q || c == '\\') {
            xf_buf_addch(out, '\\');
            xf_buf_addch(out, c);
        } else if (c == '\n') {
            xf_buf_adds(out, "\\n");
        } else if (c == '\t') {
            xf_buf_adds(out, "\\t");
        } else if (c == '\r') {
            xf_buf_adds(out, "\\r");
        } else {
            xf_buf_addch(out, c);
        }
    }
    xf_buf_addch(out, q);
}

void xf_value_repr(struct xf_buf *out, const struct xf_value *v)
{
    switch (v->t) {
    case XF_V_UNDEF:
        return;
    case XF_V_NONE:
        xf_buf_adds(out, "None");
        return;
    case XF_V_BOOL:
        xf_buf_adds(out, v->u.b ? "True" : "False");
        return;
    case XF_V_INT:
        xf_buf_addf(out, "%" PRId64, v->u.i);
        return;
    case XF_V_FLOAT:
        add_float(out, v->u.f);
        return;
    case XF_V_STR:
        repr_str(out, v->u.s);
        return;
    case XF_V_LIST: {
        const struct xf_list *l = v->u.l;
        xf_buf_addch(out, l->tuple ? '(' : '[');
        for (size_t i = 0; i < l->n; i++) {
            if (i)
                xf_buf_adds(out, ", ");
            xf_value_repr(out, &l->items[i]);
        }
        if (l->tuple && l->n == 1)
            xf_buf_addch(out, ',');
        xf_buf_addch(out, l->tuple ? ')' : ']');
        return;
    }
    case XF_V_DICT: {
        const struct xf_dict *d = v->u.d;
        xf_buf_addch(out, '{');
        for (size_t i = 0; i < d->n; i++) {
            if (i)
                xf_buf_adds(out, ", ");
            if (d->ents[i].raw_key)
                xf_buf_addstr(out, d->ents[i].key);
            else
                repr_str(out, d->ents[i].key);
            xf_buf_adds(out, ": ");
            xf_value_repr(out, &d->ents[i].val);
        }
        xf_buf_addch(out, '}');
        return;
    }
    case XF_V_FUNC:
        xf_buf_addf(out, "<function %s>", v->u.fn->name ? v->u.fn->name : "?");
        return;
    case XF_V_OBJ:
        xf_value_str(out, v);
        return;
    }
}

struct xf_value xf_value_copy(struct xf_arena *a, const struct xf_value *v)
{
    if (v->t == XF_V_STR)
        return xf_v_strdup(a, v->u.s);
    if (v->t == XF_V_LIST) {
        struct xf_value r = xf_v_list(a, v->u.l->n);
        r.u.l->tuple = v->u.l->tuple;
        for (size_t i = 0; i < v->u.l->n; i++)
            xf_list_push(a, r.u.l, xf_value_copy(a, &v->u.l->items[i]));
        return r;
    }
    if (v->t == XF_V_DICT) {
        struct xf_value r = xf_v_dict(a, v->u.d->n);
        for (size_t i = 0; i < v->u.d->n; i++) {
            struct xf_str k = v->u.d->ents[i].key;
            xf_dict_set(a, r.u.d, (struct xf_str){xf_arena_strndup(a, k.p, k.len), k.len},
                        xf_value_copy(a, &v->u.d->ents[i].val));
        }
        return r;
    }
    return *v;
}
