// SPDX-License-Identifier: MIT
/*
 * Jinja's builtin filters and tests (plus dbt's as_* filters), with the
 * parameter names and defaults of Jinja's Python signatures. Filters that
 * return generators in Jinja (map, select, reverse ...) return lists here.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "templating/internal.h"
#include "util/json.h"

/* ---- helpers ---- */

static struct xf_value S(struct xf_render *r, const struct xf_value *v) {
    return xf_tpl_str_value(r, v);
}

static struct xf_value
arena_str(struct xf_render *r, const char *p, size_t n)
{
    return xf_v_str(xf_str_n(xf_arena_strndup(r->a, p, n), n));
}

/* Scratch string building on the end of the output buffer. */
static size_t sb_begin(struct xf_render *r)
{
    return r->out->len;
}

static struct xf_value sb_end(struct xf_render *r, size_t mark)
{
    struct xf_value v = arena_str(r, r->out->ptr + mark, r->out->len - mark);
    xf_buf_setlen(r->out, mark);
    return v;
}

static bool truthy_arg(const struct xf_value *p)
{
    return p && xf_value_truthy(p);
}

static int int_arg(struct xf_render *r, const struct xf_value *p, int64_t def, int64_t *out,
                   const char *what)
{
    if (!p || p->t == XF_V_NONE) {
        *out = def;
        return 0;
    }
    if (p->t == XF_V_INT || p->t == XF_V_BOOL) {
        *out = p->t == XF_V_INT ? p->u.i : p->u.b;
        return 0;
    }
    if (p->t == XF_V_FLOAT) {
        *out = xf_f2i(p->u.f);
        return 0;
    }
    return xf_render_error(r, "'%s' must be an integer, not %s", what, xf_tpl_py_tname(p));
}

static int iter_of(struct xf_render *r, struct xf_value *out, const struct xf_value *v)
{
    return xf_tpl_to_list(r, out, v);
}

/* item[attribute] with Jinja's dotted paths ("a.b", "items.0"). */
static int get_path(struct xf_render *r, struct xf_value *out, const struct xf_value *item,
                    struct xf_str path)
{
    struct xf_value cur = *item;
    size_t s = 0;
    while (s <= path.len) {
        size_t e = s;
        while (e < path.len && path.p[e] != '.')
            e++;
        struct xf_str part = xf_str_n(path.p + s, e - s);
        bool digits = part.len > 0;
        for (size_t i = 0; i < part.len; i++)
            digits &= isdigit((unsigned char)part.p[i]) != 0;
        struct xf_value key = digits ? xf_v_int(strtoll(part.p, NULL, 10)) : xf_v_str(part);
        if (cur.t == XF_V_UNDEF)
            break;
        if (xf_tpl_get_item(r, &cur, &cur, &key) < 0)
            return -1;
        s = e + 1;
    }
    *out = cur;
    return 0;
}

static struct xf_value lower_str(struct xf_render *r, struct xf_str s)
{
    char *p = xf_arena_alloc(r->a, s.len + 1);
    for (size_t i = 0; i < s.len; i++)
        p[i] = (char)tolower((unsigned char)s.p[i]);
    p[s.len] = 0;
    return xf_v_str(xf_str_n(p, s.len));
}

/* Sort/compare key: attribute lookup, then lower-casing strings. */
static int key_of(struct xf_render *r, struct xf_value *out, const struct xf_value *item,
                  struct xf_str attribute, bool case_sensitive)
{
    if (attribute.len) {
        if (get_path(r, out, item, attribute) < 0)
            return -1;
    } else {
        *out = *item;
    }
    if (!case_sensitive && out->t == XF_V_STR)
        *out = lower_str(r, out->u.s);
    return 0;
}

struct keyed {
    struct xf_value key, item;
};

static int merge_sort(struct xf_render *r, struct keyed *a, struct keyed *tmp, size_t n,
                      bool reverse)
{
    if (n < 2)
        return 0;
    size_t h = n / 2;
    if (merge_sort(r, a, tmp, h, reverse) < 0 || merge_sort(r, a + h, tmp, n - h, reverse) < 0)
        return -1;
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        int c;
        if (xf_tpl_compare_values(r, &c, &a[j].key, &a[i].key, false) < 0)
            return -1;
        /* take from the right only when strictly before (stability) */
        bool right = reverse ? c > 0 : c < 0;
        tmp[k++] = right ? a[j++] : a[i++];
    }
    while (i < h)
        tmp[k++] = a[i++];
    while (j < n)
        tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
    return 0;
}

int xf_tpl_sort_values(struct xf_render *r, struct xf_value *items, size_t n, bool reverse,
                       bool case_sensitive, struct xf_str attribute)
{
    if (n < 2)
        return 0;
    struct keyed *k = XF_ANEWN(r->a, struct keyed, n);
    struct keyed *tmp = XF_ANEWN(r->a, struct keyed, n);
    /* attribute may list several keys: "a,b" */
    bool multi = memchr(attribute.p ? attribute.p : "", ',', attribute.len) != NULL;
    for (size_t i = 0; i < n; i++) {
        k[i].item = items[i];
        if (multi) {
            struct xf_value t = xf_tpl_new_tuple(r->a, 2);
            size_t s = 0;
            while (s <= attribute.len) {
                size_t e = s;
                while (e < attribute.len && attribute.p[e] != ',')
                    e++;
                struct xf_value kv;
                if (key_of(r, &kv, &items[i], xf_str_trim(xf_str_n(attribute.p + s, e - s)),
                           case_sensitive) < 0)
                    return -1;
                xf_list_push(r->a, t.u.l, kv);
                s = e + 1;
            }
            k[i].key = t;
        } else if (key_of(r, &k[i].key, &items[i], attribute, case_sensitive) < 0) {
            return -1;
        }
    }
    if (merge_sort(r, k, tmp, n, reverse) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        items[i] = k[i].item;
    return 0;
}

static struct xf_value copy_list(struct xf_render *r, const struct xf_value *l)
{
    struct xf_value c = xf_v_list(r->a, l->u.l->n);
    for (size_t i = 0; i < l->u.l->n; i++)
        xf_list_push(r->a, c.u.l, l->u.l->items[i]);
    return c;
}

static struct xf_str attr_of(const struct xf_value *p)
{
    if (p && p->t == XF_V_STR)
        return p->u.s;
    return xf_str_n(NULL, 0);
}

/* ---- filters ---- */

#define FILTER(name)                                                                               \
    static int f_##name(struct xf_value *out, struct xf_render *r, const struct xf_value *v,       \
                        const struct xf_value **p, const struct xf_args *args)

FILTER(abs)
{
    (void)p;
    (void)args;
    if (v->t == XF_V_INT && v->u.i == INT64_MIN)
        *out = xf_v_float(-(double)INT64_MIN); /* past int64, as xf_tpl_arith() goes */
    else if (v->t == XF_V_INT)
        *out = xf_v_int(v->u.i < 0 ? -v->u.i : v->u.i);
    else if (v->t == XF_V_FLOAT)
        *out = xf_v_float(fabs(v->u.f));
    else if (v->t == XF_V_BOOL)
        *out = xf_v_int(v->u.b);
    else
        return xf_render_error(r, "filter 'abs' needs a number, not %s", xf_tpl_py_tname(v));
    return 0;
}

FILTER(attr)
{
    (void)args;
    if (!p[0] || p[0]->t != XF_V_STR)
        return xf_render_error(r, "filter 'attr' needs an attribute name");
    if (v->t == XF_V_UNDEF) {
        *out = *v;
        return 0;
    }
    return xf_tpl_get_attr(r, out, v, p[0]->u.s);
}

FILTER(capitalize)
{
    (void)p;
    (void)args;
    *out = xf_tpl_case_convert(r, S(r, v).u.s, CASE_CAPITALIZE);
    return 0;
}

static void pad(struct xf_buf *b, size_t n, struct xf_str fill)
{
    for (size_t i = 0; i < n; i++)
        xf_buf_addstr(b, fill);
}

FILTER(center)
{
    (void)args;
    int64_t w = 0;
    if (int_arg(r, p[0], 80, &w, "width") < 0)
        return -1;
    struct xf_value s = S(r, v);
    int64_t len = (int64_t)xf_tpl_utf8_len(s.u.s);
    if (w <= len) {
        *out = s;
        return 0;
    }
    if (xf_tpl_render_reserve(r, (uint64_t)w + s.u.s.len) < 0)
        return -1;
    int64_t padn = w - len;
    int64_t left = padn / 2 + (padn & w & 1);
    size_t m = sb_begin(r);
    pad(r->out, (size_t)left, XF_STR(" "));
    xf_buf_addstr(r->out, s.u.s);
    pad(r->out, (size_t)(padn - left), XF_STR(" "));
    *out = sb_end(r, m);
    return 0;
}

FILTER(length)
{
    (void)p;
    (void)args;
    switch (v->t) {
    case XF_V_LIST:
        *out = xf_v_int((int64_t)v->u.l->n);
        return 0;
    case XF_V_DICT:
        *out = xf_v_int((int64_t)v->u.d->n);
        return 0;
    case XF_V_STR:
        *out = xf_v_int((int64_t)xf_tpl_utf8_len(v->u.s));
        return 0;
    case XF_V_UNDEF:
        *out = xf_v_int(0);
        return 0;
    case XF_V_OBJ: {
        struct xf_value s = S(r, v);
        *out = xf_v_int((int64_t)xf_tpl_utf8_len(s.u.s));
        return 0;
    }
    default:
        return xf_render_error(r, "%s has no length", xf_tpl_py_tname(v));
    }
}

FILTER(default)
{
    (void)args;
    bool use = v->t == XF_V_UNDEF || (truthy_arg(p[1]) && !xf_value_truthy(v));
    if (use)
        *out = p[0] ? *p[0] : xf_v_str(XF_STR(""));
    else
        *out = *v;
    return 0;
}

FILTER(dictsort)
{
    (void)args;
    if (v->t == XF_V_UNDEF) {
        *out = xf_v_list(r->a, 0);
        return 0;
    }
    if (v->t != XF_V_DICT)
        return xf_render_error(r, "filter 'dictsort' needs a dict, not %s", xf_tpl_py_tname(v));
    bool by_value = false;
    if (p[1] && p[1]->t == XF_V_STR) {
        if (xf_str_eqc(p[1]->u.s, "value"))
            by_value = true;
        else if (!xf_str_eqc(p[1]->u.s, "key"))
            return xf_render_error(r, "filter 'dictsort': 'by' must be 'key' or 'value'");
    }
    struct xf_value l = xf_v_list(r->a, v->u.d->n);
    for (size_t i = 0; i < v->u.d->n; i++) {
        struct xf_value t = xf_tpl_new_tuple(r->a, 2);
        xf_list_push(r->a, t.u.l, xf_tpl_dict_key(r, &v->u.d->ents[i]));
        xf_list_push(r->a, t.u.l, v->u.d->ents[i].val);
        xf_list_push(r->a, l.u.l, t);
    }
    if (xf_tpl_sort_values(r, l.u.l->items, l.u.l->n, truthy_arg(p[2]), truthy_arg(p[0]),
                           by_value ? XF_STR("1") : XF_STR("0")) < 0)
        return -1;
    *out = l;
    return 0;
}

FILTER(escape)
{
    (void)p;
    (void)args;
    struct xf_value s = S(r, v);
    size_t m = sb_begin(r);
    for (size_t i = 0; i < s.u.s.len; i++) {
        char c = s.u.s.p[i];
        switch (c) {
        case '&':
            xf_buf_adds(r->out, "&amp;");
            break;
        case '<':
            xf_buf_adds(r->out, "&lt;");
            break;
        case '>':
            xf_buf_adds(r->out, "&gt;");
            break;
        case '"':
            xf_buf_adds(r->out, "&#34;");
            break;
        case '\'':
            xf_buf_adds(r->out, "&#39;");
            break;
        default:
            xf_buf_addch(r->out, c);
        }
    }
    *out = sb_end(r, m);
    return 0;
}

FILTER(first)
{
    (void)p;
    (void)args;
    struct xf_value l;
    if (iter_of(r, &l, v) < 0)
        return -1;
    *out = l.u.l->n ? l.u.l->items[0] : xf_v_undef();
    return 0;
}

FILTER(last)
{
    (void)p;
    (void)args;
    struct xf_value l;
    if (iter_of(r, &l, v) < 0)
        return -1;
    *out = l.u.l->n ? l.u.l->items[l.u.l->n - 1] : xf_v_undef();
    return 0;
}

static bool parse_float(struct xf_str s, double *out)
{
    s = xf_str_trim(s);
    if (!s.len || s.len > 60)
        return false;
    char buf[64];
    size_t k = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] != '_')
            buf[k++] = s.p[i];
    }
    buf[k] = 0;
    char *end;
    *out = strtod(buf, &end);
    return *end == 0 && !(buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X'));
}

static bool parse_int(struct xf_str s, int base, int64_t *out)
{
    s = xf_str_trim(s);
    if (!s.len || s.len > 60)
        return false;
    char buf[64];
    size_t k = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] != '_')
            buf[k++] = s.p[i];
    }
    buf[k] = 0;
    char *end;
    const char *b = buf;
    if (base == 16 && (b[0] == '0') && (b[1] == 'x' || b[1] == 'X'))
        b += 2;
    *out = strtoll(b, &end, base);
    return *end == 0 && end != b;
}

FILTER(float)
{
    (void)args;
    double d;
    if (v->t == XF_V_FLOAT)
        *out = *v;
    else if (v->t == XF_V_INT || v->t == XF_V_BOOL)
        *out = xf_v_float(v->t == XF_V_INT ? (double)v->u.i : v->u.b);
    else if (v->t == XF_V_STR && parse_float(v->u.s, &d))
        *out = xf_v_float(d);
    else
        *out = p[0] ? *p[0] : xf_v_float(0.0);
    return 0;
}

FILTER(int)
{
    (void)args;
    int64_t base = 0;
    if (int_arg(r, p[1], 10, &base, "base") < 0)
        return -1;
    int64_t i = 0;
    double d;
    if (v->t == XF_V_INT)
        *out = *v;
    else if (v->t == XF_V_BOOL)
        *out = xf_v_int(v->u.b);
    else if (v->t == XF_V_FLOAT && isfinite(v->u.f))
        *out = xf_v_int(xf_f2i(v->u.f));
    else if (v->t == XF_V_STR && parse_int(v->u.s, (int)base, &i))
        *out = xf_v_int(i);
    else if (v->t == XF_V_STR && parse_float(v->u.s, &d) && isfinite(d))
        *out = xf_v_int(xf_f2i(d));
    else
        *out = p[0] ? *p[0] : xf_v_int(0);
    return 0;
}

FILTER(join)
{
    (void)args;
    struct xf_value l;
    if (iter_of(r, &l, v) < 0)
        return -1;
    struct xf_value sep = p[0] ? S(r, p[0]) : xf_v_str(XF_STR(""));
    struct xf_str attr = attr_of(p[1]);
    /* items first: attribute lookups may allocate */
    struct xf_value *items = l.u.l->items;
    if (attr.len) {
        items = XF_ANEWN(r->a, struct xf_value, l.u.l->n ? l.u.l->n : 1);
        for (size_t i = 0; i < l.u.l->n; i++) {
            if (get_path(r, &items[i], &l.u.l->items[i], attr) < 0)
                return -1;
        }
    }
    uint64_t total = 0;
    for (size_t i = 0; i < l.u.l->n && total <= r->max_bytes; i++) {
        total += (i ? sep.u.s.len : 0) +
                 (items[i].t == XF_V_STR ? items[i].u.s.len : xf_tpl_render_str_size(r, &items[i]));
    }
    if (xf_tpl_render_reserve(r, total) < 0)
        return -1;
    size_t m = sb_begin(r);
    for (size_t i = 0; i < l.u.l->n; i++) {
        if (i)
            xf_buf_addstr(r->out, sep.u.s);
        xf_value_str(r->out, &items[i]);
    }
    *out = sb_end(r, m);
    return 0;
}

FILTER(list)
{
    (void)p;
    (void)args;
    struct xf_value l;
    if (iter_of(r, &l, v) < 0)
        return -1;
    *out = v->t == XF_V_LIST ? copy_list(r, &l) : l;
    out->u.l->tuple = false;
    return 0;
}

FILTER(lower)
{
    (void)p;
    (void)args;
    *out = xf_tpl_case_convert(r, S(r, v).u.s, CASE_LOWER);
    return 0;
}

FILTER(upper)
{
    (void)p;
    (void)args;
    *out = xf_tpl_case_convert(r, S(r, v).u.s, CASE_UPPER);
    return 0;
}

static struct xf_args rest_args(const struct xf_args *a, size_t skip)
{
    struct xf_args o = *a;
    o.pos = a->npos > skip ? a->pos + skip : NULL;
    o.npos = a->npos > skip ? a->npos - skip : 0;
    o.caller = NULL;
    return o;
}

FILTER(map)
{
    (void)p;
    struct xf_value l;
    /* Jinja maps nothing over a false value (`none | map('lower')` is empty). */
    if (!xf_value_truthy(v)) {
        *out = xf_v_list(r->a, 0);
        return 0;
    }
    if (iter_of(r, &l, v) < 0)
        return -1;
    const struct xf_value *attr = xf_arg(args, (size_t)-1, "attribute");
    struct xf_value res = xf_v_list(r->a, l.u.l->n);
    if (attr) {
        const struct xf_value *def = xf_arg(args, (size_t)-1, "default");
        if (attr->t != XF_V_STR && attr->t != XF_V_INT)
            return xf_render_error(r, "filter 'map': 'attribute' must be a string or an integer");
        for (size_t i = 0; i < l.u.l->n; i++) {
            struct xf_value x;
            /* an integer is an index, as Jinja's getitem: map(attribute=0) */
            if ((attr->t == XF_V_INT ? xf_tpl_get_item(r, &x, &l.u.l->items[i], attr)
                                     : get_path(r, &x, &l.u.l->items[i], attr->u.s)) < 0)
                return -1;
            if (x.t == XF_V_UNDEF && def)
                x = *def;
            xf_list_push(r->a, res.u.l, x);
        }
        *out = res;
        return 0;
    }
    if (!args->npos || args->pos[0].t != XF_V_STR)
        return xf_render_error(r, "filter 'map' needs a filter name or attribute=");
    const struct filter_def *f = xf_tpl_find_filter(args->pos[0].u.s);
    if (!f) {
        const char *sug = xf_tpl_suggest_filter(args->pos[0].u.s);
        if (sug)
            return xf_render_error(r, "unknown filter '%.*s' (did you mean '%s'?)",
                                   XF_STR_ARG(args->pos[0].u.s), sug);
        return xf_render_error(r, "unknown filter '%.*s'", XF_STR_ARG(args->pos[0].u.s));
    }
    struct xf_args rest = rest_args(args, 1);
    for (size_t i = 0; i < l.u.l->n; i++) {
        struct xf_value x;
        if (xf_tpl_apply_filter(r, &x, f, &l.u.l->items[i], &rest) < 0)
            return -1;
        xf_list_push(r->a, res.u.l, x);
    }
    *out = res;
    return 0;
}

/* select / reject / selectattr / rejectattr */
static int select_common(struct xf_value *out, struct xf_render *r, const struct xf_value *v,
                         const struct xf_args *args, bool attr_mode, bool keep_if)
{
    struct xf_value l;
    if (iter_of(r, &l, v) < 0)
        return -1;
    size_t k = 0;
    struct xf_str attr = {0};
    if (attr_mode) {
        if (!args->npos || args->pos[0].t != XF_V_STR)
            return xf_render_error(r, "filter '%s' needs an attribute name",
                                   keep_if ? "selectattr" : "rejectattr");
        attr = args->pos[0].u.s;
        k = 1;
    }
    const struct test_def *t = NULL;
    if (args->npos > k) {
        if (args->pos[k].t != XF_V_STR)
            return xf_render_error(r, "the test name must be a string");
        t = xf_tpl_find_test(args->pos[k].u.s);
        if (!t) {
            const char *sug = xf_tpl_suggest_test(args->pos[k].u.s);
            if (sug)
                return xf_render_error(r, "unknown test '%.*s' (did you mean '%s'?)",
                                       XF_STR_ARG(args->pos[k].u.s), sug);
            return xf_render_error(r, "unknown test '%.*s'", XF_STR_ARG(args->pos[k].u.s));
        }
        k++;
    }
    struct xf_args rest = rest_args(args, k);
    struct xf_value res = xf_v_list(r->a, 0);
    for (size_t i = 0; i < l.u.l->n; i++) {
        struct xf_value x = l.u.l->items[i];
        if (attr_mode && get_path(r, &x, &l.u.l->items[i], attr) < 0)
            return -1;
        bool b;
        if (t) {
            if (xf_tpl_apply_test(r, &b, t, &x, &rest) < 0)
                return -1;
        } else {
            b = xf_value_truthy(&x);
        }
        if (b == keep_if)
            xf_list_push(r->a, res.u.l, l.u.l->items[i]);
    }
    *out = res;
    return 0;
}

FILTER(select)
{
    (void)p;
    return select_common(out, r, v, args, false, true);
}
FILTER(reject)
{
    (void)p;
    return select_common(out, r, v, args, false, false);
}
FILTER(selectattr)
{
    (void)p;
    return select_common(out, r, v, args, true, true);
}
FILTER(rejectattr)
{
    (void)p;
    return select_common(out, r, v, args, true, false);
}

static struct xf_value str_replace(struct xf_render *r, struct xf_str s, struct xf_str old,
                                   struct xf_str new, int64_t count)
{
    size_t m = sb_begin(r);
    size_t i = 0;
    int64_t done = 0;
    if (old.len == 0) {
        /* Python inserts `new` between every character */
        for (size_t j = 0; j <= s.len; j++) {
            if (count < 0 || done < count) {
                xf_buf_addstr(r->out, new);
                done++;
            }
            if (j < s.len)
                xf_buf_addch(r->out, s.p[j]);
        }
        return sb_end(r, m);
    }
    while (i < s.len) {
        if ((count < 0 || done < count) && i + old.len <= s.len &&
            memcmp(s.p + i, old.p, old.len) == 0) {
            xf_buf_addstr(r->out, new);
            i += old.len;
            done++;
        } else {
            xf_buf_addch(r->out, s.p[i++]);
        }
    }
    return sb_end(r, m);
}

FILTER(replace)
{
    (void)args;
    if (!p[0] || !p[1])
        return xf_render_error(r, "filter 'replace' needs the old and the new string");
    int64_t count = 0;
    if (int_arg(r, p[2], -1, &count, "count") < 0)
        return -1;
    struct xf_value s = S(r, v), o = S(r, p[0]), n = S(r, p[1]);
    if (xf_tpl_render_reserve_replace(r, s.u.s, o.u.s, n.u.s, count) < 0)
        return -1;
    *out = str_replace(r, s.u.s, o.u.s, n.u.s, count);
    return 0;
}

FILTER(reverse)
{
    (void)p;
    (void)args;
    if (v->t == XF_V_STR) {
        struct xf_value l;
        if (iter_of(r, &l, v) < 0)
            return -1;
        size_t m = sb_begin(r);
        for (size_t i = l.u.l->n; i-- > 0;)
            xf_buf_addstr(r->out, l.u.l->items[i].u.s);
        *out = sb_end(r, m);
        return 0;
    }
    struct xf_value l;
    if (iter_of(r, &l, v) < 0)
        return -1;
    struct xf_value res = xf_v_list(r->a, l.u.l->n);
    for (size_t i = l.u.l->n; i-- > 0;)
        xf_list_push(r->a, res.u.l, l.u.l->items[i]);
    *out = res;
    return 0;
}

FILTER(round)
{
    (void)args;
    int64_t prec = 0;
    if (int_arg(r, p[0], 0, &prec, "precision") < 0)
        return -1;
    struct xf_str method = p[1] && p[1]->t == XF_V_STR ? p[1]->u.s : XF_STR("common");
    double x;
    if ((v->t == XF_V_INT || v->t == XF_V_BOOL) && xf_str_eqc(method, "common") && prec >= 0) {
        *out = v->t == XF_V_INT ? *v : xf_v_int(v->u.b);
        return 0;
    }
    if (v->t == XF_V_INT || v->t == XF_V_BOOL)
        x = v->t == XF_V_INT ? (double)v->u.i : v->u.b;
    else if (v->t == XF_V_FLOAT)
        x = v->u.f;
    else
        return xf_render_error(r, "filter 'round' needs a number, not %s", xf_tpl_py_tname(v));
    double f = pow(10.0, (double)prec);
    double y = x * f;
    if (xf_str_eqc(method, "common"))
        y = nearbyint(y);
    else if (xf_str_eqc(method, "floor"))
        y = floor(y);
    else if (xf_str_eqc(method, "ceil"))
        y = ceil(y);
    else
        return xf_render_error(r, "filter 'round': method must be 'common', 'ceil' or 'floor'");
    *out = xf_v_float(y / f);
    return 0;
}

FILTER(identity)
{
    (void)r;
    (void)p;
    (void)args;
    *out = *v;
    return 0;
}

FILTER(sort)
{
    (void)args;
    struct xf_value l;
    if (iter_of(r, &l, v) < 0)
        return -1;
    l = copy_list(r, &l);
    if (xf_tpl_sort_values(r, l.u.l->items, l.u.l->n, truthy_arg(p[0]), truthy_arg(p[1]),
                           attr_of(p[2])) < 0)
        return -1;
    *out = l;
    return 0;
}

FILTER(string)
{
    (void)p;
    (void)args;
    *out = S(r, v);
    return 0;
}

FILTER(sum)
{
    (void)args;
    struct xf_value l;
    if (iter_of(r, &l, v) < 0)
        return -1;
    struct xf_value acc = p[1] ? *p[1] : xf_v_int(0);
    struct xf_str attr = attr_of(p[0]);
    for (size_t i = 0; i < l.u.l->n; i++) {
        struct xf_value x = l.u.l->items[i];
        if (attr.len && get_path(r, &x, &l.u.l->items[i], attr) < 0)
            return -1;
        if (xf_tpl_arith(r, &acc, '+', &acc, &x) < 0)
            return -1;
    }
    *out = acc;
    return 0;
}

FILTER(title)
{
    (void)p;
    (void)args;
    *out = xf_tpl_case_convert(r, S(r, v).u.s, CASE_JINJA_TITLE);
    return 0;
}

static bool in_set(char c, struct xf_str set)
{
    return memchr(set.p, c, set.len) != NULL;
}

struct xf_str xf_tpl_strip_chars(struct xf_str s, const struct xf_value *chars, bool left,
                                 bool right)
{
    bool ws = !chars || chars->t == XF_V_NONE || chars->t == XF_V_UNDEF;
    struct xf_str set = !ws && chars->t == XF_V_STR ? chars->u.s : XF_STR("");
    while (left && s.len && (ws ? isspace((unsigned char)s.p[0]) : in_set(s.p[0], set))) {
        s.p++;
        s.len--;
    }
    while (right && s.len &&
           (ws ? isspace((unsigned char)s.p[s.len - 1]) : in_set(s.p[s.len - 1], set)))
        s.len--;
    return s;
}

FILTER(trim)
{
    (void)args;
    *out = xf_v_str(xf_tpl_strip_chars(S(r, v).u.s, p[0], true, true));
    return 0;
}

FILTER(truncate)
{
    (void)args;
    int64_t length = 0, leeway = 0;
    if (int_arg(r, p[0], 255, &length, "length") < 0 || int_arg(r, p[3], 5, &leeway, "leeway") < 0)
        return -1;
    struct xf_value s = S(r, v);
    struct xf_value end = p[2] ? S(r, p[2]) : xf_v_str(XF_STR("..."));
    int64_t n = (int64_t)xf_tpl_utf8_len(s.u.s);
    if (length < (int64_t)end.u.s.len)
        return xf_render_error(r, "filter 'truncate': length must be at least the end's length");
    if (leeway < 0)
        return xf_render_error(r, "filter 'truncate': leeway must be at least 0");
    if (n <= length + leeway) {
        *out = s;
        return 0;
    }
    int64_t keep = length - (int64_t)xf_tpl_utf8_len(end.u.s);
    /* byte offset of `keep` code points */
    size_t b = 0;
    for (int64_t c = 0; b < s.u.s.len; b++) {
        if (((unsigned char)s.u.s.p[b] & 0xC0) != 0x80) {
            if (c == keep)
                break;
            c++;
        }
    }
    struct xf_str head = xf_str_n(s.u.s.p, b);
    if (!truthy_arg(p[1])) {
        const char *sp = NULL;
        for (size_t i = head.len; i-- > 0;) {
            if (head.p[i] == ' ') {
                sp = head.p + i;
                break;
            }
        }
        if (sp)
            head.len = (size_t)(sp - head.p);
    }
    size_t m = sb_begin(r);
    xf_buf_addstr(r->out, head);
    xf_buf_addstr(r->out, end.u.s);
    *out = sb_end(r, m);
    return 0;
}

FILTER(unique)
{
    (void)args;
    struct xf_value l;
    if (iter_of(r, &l, v) < 0)
        return -1;
    bool cs = truthy_arg(p[0]);
    struct xf_str attr = attr_of(p[1]);
    struct xf_value res = xf_v_list(r->a, 0), seen = xf_v_list(r->a, 0);
    for (size_t i = 0; i < l.u.l->n; i++) {
        struct xf_value k;
        if (key_of(r, &k, &l.u.l->items[i], attr, cs) < 0)
            return -1;
        bool dup = false;
        for (size_t j = 0; j < seen.u.l->n && !dup; j++)
            dup = xf_value_equal(&seen.u.l->items[j], &k);
        if (!dup) {
            xf_list_push(r->a, seen.u.l, k);
            xf_list_push(r->a, res.u.l, l.u.l->items[i]);
        }
    }
    *out = res;
    return 0;
}

FILTER(indent)
{
    (void)args;
    struct xf_value s = S(r, v);
    struct xf_str ind = {0};
    if (p[0] && p[0]->t == XF_V_STR) {
        ind = p[0]->u.s;
    } else {
        int64_t w = 0;
        if (int_arg(r, p[0], 4, &w, "width") < 0)
            return -1;
        if (w < 0)
            w = 0;
        if (xf_tpl_render_reserve(r, (uint64_t)w) < 0)
            return -1;
        char *sp = xf_arena_alloc(r->a, (size_t)w + 1);
        memset(sp, ' ', (size_t)w);
        ind = xf_str_n(sp, (size_t)w);
    }
    bool first = truthy_arg(p[1]), blank = truthy_arg(p[2]);
    /* Jinja appends a newline, then splits into lines */
    struct xf_str t = s.u.s;
    uint64_t lines = 2;
    for (size_t i = 0; i < t.len; i++)
        lines += t.p[i] == '\n';
    if (xf_tpl_render_reserve(r, t.len + lines * ind.len) < 0)
        return -1;
    size_t m = sb_begin(r);
    if (first)
        xf_buf_addstr(r->out, ind);
    size_t i = 0, line = 0;
    while (i <= t.len) {
        size_t e = i;
        while (e < t.len && t.p[e] != '\n' && t.p[e] != '\r')
            e++;
        struct xf_str ln = xf_str_n(t.p + i, e - i);
        bool last = e >= t.len;
        if (last && ln.len == 0 && line > 0)
            break; /* the piece after the final newline */
        if (line > 0) {
            xf_buf_addch(r->out, '\n');
            if (blank || ln.len)
                xf_buf_addstr(r->out, ind);
        }
        xf_buf_addstr(r->out, ln);
        line++;
        if (last)
            break;
        i = e + 1;
        if (t.p[e] == '\r' && i < t.len && t.p[i] == '\n')
            i++;
        if (i == t.len) {
            /* trailing newline: Jinja keeps one empty line */
            xf_buf_addch(r->out, '\n');
            if (blank)
                xf_buf_addstr(r->out, ind);
            break;
        }
    }
    *out = sb_end(r, m);
    return 0;
}

FILTER(batch)
{
    (void)args;
    struct xf_value l;
    if (iter_of(r, &l, v) < 0)
        return -1;
    int64_t n = 0;
    if (int_arg(r, p[0], 0, &n, "linecount") < 0)
        return -1;
    if (n <= 0)
        return xf_render_error(r, "filter 'batch' needs a positive line count");
    if (xf_tpl_render_reserve(r, (uint64_t)n * sizeof(struct xf_value)) < 0)
        return -1;
    struct xf_value res = xf_v_list(r->a, 0), cur = xf_v_undef();
    for (size_t i = 0; i < l.u.l->n; i++) {
        if (cur.t == XF_V_UNDEF || (int64_t)cur.u.l->n == n) {
            cur = xf_v_list(r->a, (size_t)n);
            xf_list_push(r->a, res.u.l, cur);
        }
        xf_list_push(r->a, cur.u.l, l.u.l->items[i]);
    }
    if (cur.t == XF_V_LIST && p[1] && p[1]->t != XF_V_NONE) {
        while ((int64_t)cur.u.l->n < n)
            xf_list_push(r->a, cur.u.l, *p[1]);
    }
    *out = res;
    return 0;
}

FILTER(slice)
{
    (void)args;
    struct xf_value l;
    if (iter_of(r, &l, v) < 0)
        return -1;
    int64_t slices = 0;
    if (int_arg(r, p[0], 0, &slices, "slices") < 0)
        return -1;
    if (slices <= 0)
        return xf_render_error(r, "filter 'slice' needs a positive number of slices");
    if (xf_tpl_render_reserve(r, (uint64_t)slices * 2 * sizeof(struct xf_value)) < 0)
        return -1;
    int64_t len = (int64_t)l.u.l->n, per = len / slices, extra = len % slices, offset = 0;
    struct xf_value res = xf_v_list(r->a, (size_t)slices);
    for (int64_t s = 0; s < slices; s++) {
        int64_t start = offset + s * per;
        if (s < extra)
            offset++;
        int64_t end = offset + (s + 1) * per;
        struct xf_value t = xf_v_list(r->a, 0);
        for (int64_t i = start; i < end && i < len; i++)
            xf_list_push(r->a, t.u.l, l.u.l->items[i]);
        if (p[1] && p[1]->t != XF_V_NONE && s >= extra)
            xf_list_push(r->a, t.u.l, *p[1]);
        xf_list_push(r->a, res.u.l, t);
    }
    *out = res;
    return 0;
}

FILTER(groupby)
{
    (void)args;
    struct xf_value l;
    if (iter_of(r, &l, v) < 0)
        return -1;
    if (!p[0])
        return xf_render_error(r, "filter 'groupby' needs an attribute");
    struct xf_str attr = {0};
    if (p[0]->t == XF_V_STR) {
        attr = p[0]->u.s;
    } else {
        struct xf_value s = S(r, p[0]);
        attr = s.u.s;
    }
    bool cs = truthy_arg(p[2]);
    size_t n = l.u.l->n;
    struct xf_value *keys = XF_ANEWN(r->a, struct xf_value, n ? n : 1);
    struct xf_value *items = XF_ANEWN(r->a, struct xf_value, n ? n : 1);
    /* sort (item, key) pairs by the key, keeping the original order on ties */
    struct xf_value pairs = xf_v_list(r->a, n);
    for (size_t i = 0; i < n; i++) {
        struct xf_value k;
        if (get_path(r, &k, &l.u.l->items[i], attr) < 0)
            return -1;
        if (k.t == XF_V_UNDEF && p[1])
            k = *p[1];
        struct xf_value t = xf_tpl_new_tuple(r->a, 2);
        xf_list_push(r->a, t.u.l, k);
        xf_list_push(r->a, t.u.l, l.u.l->items[i]);
        xf_list_push(r->a, pairs.u.l, t);
    }
    if (xf_tpl_sort_values(r, pairs.u.l->items, n, false, cs, XF_STR("0")) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        keys[i] = pairs.u.l->items[i].u.l->items[0];
        items[i] = pairs.u.l->items[i].u.l->items[1];
    }
    struct xf_value res = xf_v_list(r->a, 0);
    for (size_t i = 0; i < n;) {
        struct xf_value grp = xf_v_list(r->a, 0);
        size_t j = i;
        for (; j < n; j++) {
            struct xf_value a = keys[i], b = keys[j];
            if (!cs && a.t == XF_V_STR && b.t == XF_V_STR) {
                a = lower_str(r, a.u.s);
                b = lower_str(r, b.u.s);
            }
            if (!xf_value_equal(&a, &b))
                break;
            xf_list_push(r->a, grp.u.l, items[j]);
        }
        struct xf_value t = xf_tpl_new_tuple(r->a, 2);
        xf_list_push(r->a, t.u.l, keys[i]);
        xf_list_push(r->a, t.u.l, grp);
        xf_list_push(r->a, res.u.l, t);
        i = j;
    }
    *out = res;
    return 0;
}

/* Digits the floats in v need to read back (jansson prints all reals alike). */
static void max_float_prec(const struct xf_value *v, int *prec)
{
    if (v->t == XF_V_FLOAT && isfinite(v->u.f)) {
        char tmp[40];
        int p = 1;
        for (; p < 17; p++) {
            snprintf(tmp, sizeof tmp, "%.*g", p, v->u.f);
            if (strtod(tmp, NULL) == v->u.f)
                break;
        }
        if (p > *prec)
            *prec = p;
    } else if (v->t == XF_V_LIST) {
        for (size_t i = 0; i < v->u.l->n; i++)
            max_float_prec(&v->u.l->items[i], prec);
    } else if (v->t == XF_V_DICT) {
        for (size_t i = 0; i < v->u.d->n; i++)
            max_float_prec(&v->u.d->ents[i].val, prec);
    }
}

int xf_tpl_dump_json(struct xf_render *r, struct xf_value *out, const struct xf_value *v,
                     int indent, bool sort_keys, bool htmlsafe)
{
    if (xf_tpl_render_reserve_str(r, v) < 0)
        return -1;
    json_t *j = xf_value_to_json(v);
    int prec = 1;
    max_float_prec(v, &prec);
    size_t flags = JSON_ENCODE_ANY | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(prec);
    if (sort_keys)
        flags |= JSON_SORT_KEYS;
    if (indent > 0)
        flags |= JSON_INDENT(indent > 31 ? 31 : indent);
    char *s = json_dumps(j, flags);
    json_decref(j);
    if (!s)
        return xf_render_error(r, "cannot convert %s to JSON", xf_tpl_py_tname(v));
    size_t m = sb_begin(r);
    for (const char *c = s; *c; c++) {
        if (htmlsafe && (*c == '<' || *c == '>' || *c == '&' || *c == '\''))
            xf_buf_addf(r->out, "\\u%04x", (unsigned)*c);
        else
            xf_buf_addch(r->out, *c);
    }
    free(s);
    *out = sb_end(r, m);
    return 0;
}

FILTER(tojson)
{
    (void)args;
    int64_t ind = 0;
    if (int_arg(r, p[0], 0, &ind, "indent") < 0)
        return -1;
    return xf_tpl_dump_json(r, out, v, (int)ind, true, true);
}

FILTER(wordcount)
{
    (void)p;
    (void)args;
    struct xf_value s = S(r, v);
    int64_t n = 0;
    bool in = false;
    for (size_t i = 0; i < s.u.s.len; i++) {
        unsigned char c = (unsigned char)s.u.s.p[i];
        bool w = isalnum(c) || c == '_' || c >= 0x80;
        if (w && !in)
            n++;
        in = w;
    }
    *out = xf_v_int(n);
    return 0;
}

FILTER(items)
{
    (void)p;
    (void)args;
    if (v->t == XF_V_UNDEF) {
        *out = xf_v_list(r->a, 0);
        return 0;
    }
    if (v->t != XF_V_DICT)
        return xf_render_error(r, "filter 'items' needs a dict, not %s", xf_tpl_py_tname(v));
    struct xf_value res = xf_v_list(r->a, v->u.d->n);
    for (size_t i = 0; i < v->u.d->n; i++) {
        struct xf_value t = xf_tpl_new_tuple(r->a, 2);
        xf_list_push(r->a, t.u.l, xf_tpl_dict_key(r, &v->u.d->ents[i]));
        xf_list_push(r->a, t.u.l, v->u.d->ents[i].val);
        xf_list_push(r->a, res.u.l, t);
    }
    *out = res;
    return 0;
}

static int min_max(struct xf_value *out, struct xf_render *r, const struct xf_value *v,
                   const struct xf_value **p, bool want_max)
{
    struct xf_value l;
    if (iter_of(r, &l, v) < 0)
        return -1;
    bool cs = truthy_arg(p[0]);
    struct xf_str attr = attr_of(p[1]);
    if (!l.u.l->n) {
        *out = xf_v_undef();
        return 0;
    }
    struct xf_value best = l.u.l->items[0], bk;
    if (key_of(r, &bk, &best, attr, cs) < 0)
        return -1;
    for (size_t i = 1; i < l.u.l->n; i++) {
        struct xf_value k;
        if (key_of(r, &k, &l.u.l->items[i], attr, cs) < 0)
            return -1;
        int c;
        if (xf_tpl_compare_values(r, &c, &k, &bk, false) < 0)
            return -1;
        if (want_max ? c > 0 : c < 0) {
            best = l.u.l->items[i];
            bk = k;
        }
    }
    *out = best;
    return 0;
}

FILTER(min)
{
    (void)args;
    return min_max(out, r, v, p, false);
}

FILTER(max)
{
    (void)args;
    return min_max(out, r, v, p, true);
}

FILTER(format)
{
    (void)p;
    struct xf_value s = S(r, v);
    if (args->nkw) {
        struct xf_value d = xf_v_dict(r->a, args->nkw);
        for (size_t i = 0; i < args->nkw; i++)
            xf_dict_set(r->a, d.u.d, args->kwnames[i], args->kwvals[i]);
        return xf_tpl_py_percent_format(r, out, s.u.s, &d);
    }
    struct xf_value t = xf_tpl_new_tuple(r->a, args->npos);
    for (size_t i = 0; i < args->npos; i++)
        xf_list_push(r->a, t.u.l, args->pos[i]);
    return xf_tpl_py_percent_format(r, out, s.u.s, &t);
}

FILTER(pprint)
{
    (void)p;
    (void)args;
    if (xf_tpl_render_reserve_str(r, v) < 0)
        return -1;
    size_t m = sb_begin(r);
    xf_value_repr(r->out, v);
    *out = sb_end(r, m);
    return 0;
}

FILTER(striptags)
{
    (void)p;
    (void)args;
    struct xf_value s = S(r, v);
    size_t m = sb_begin(r);
    bool in_tag = false, space = false, any = false;
    for (size_t i = 0; i < s.u.s.len; i++) {
        char c = s.u.s.p[i];
        if (c == '<') {
            in_tag = true;
            continue;
        }
        if (in_tag) {
            if (c == '>')
                in_tag = false;
            continue;
        }
        if (isspace((unsigned char)c)) {
            space = any;
            continue;
        }
        if (space)
            xf_buf_addch(r->out, ' ');
        space = false;
        any = true;
        xf_buf_addch(r->out, c);
    }
    *out = sb_end(r, m);
    return 0;
}

static const struct filter_def filters[] = {
    {"abs", f_abs, {NULL}, false},
    {"as_bool", f_identity, {NULL}, false},
    {"as_native", f_identity, {NULL}, false},
    {"as_number", f_identity, {NULL}, false},
    {"as_text", f_identity, {NULL}, false},
    {"attr", f_attr, {"name", NULL}, false},
    {"batch", f_batch, {"linecount", "fill_with", NULL}, false},
    {"capitalize", f_capitalize, {NULL}, false},
    {"center", f_center, {"width", NULL}, false},
    {"count", f_length, {NULL}, false},
    {"d", f_default, {"default_value", "boolean", NULL}, false},
    {"default", f_default, {"default_value", "boolean", NULL}, false},
    {"dictsort", f_dictsort, {"case_sensitive", "by", "reverse", NULL}, false},
    {"e", f_escape, {NULL}, false},
    {"escape", f_escape, {NULL}, false},
    {"first", f_first, {NULL}, false},
    {"float", f_float, {"default", NULL}, false},
    {"forceescape", f_escape, {NULL}, false},
    {"format", f_format, {NULL}, true},
    {"groupby", f_groupby, {"attribute", "default", "case_sensitive", NULL}, false},
    {"indent", f_indent, {"width", "first", "blank", NULL}, false},
    {"int", f_int, {"default", "base", NULL}, false},
    {"items", f_items, {NULL}, false},
    {"join", f_join, {"d", "attribute", NULL}, false},
    {"last", f_last, {NULL}, false},
    {"length", f_length, {NULL}, false},
    {"list", f_list, {NULL}, false},
    {"lower", f_lower, {NULL}, false},
    {"map", f_map, {NULL}, true},
    {"max", f_max, {"case_sensitive", "attribute", NULL}, false},
    {"min", f_min, {"case_sensitive", "attribute", NULL}, false},
    {"pprint", f_pprint, {NULL}, false},
    {"reject", f_reject, {NULL}, true},
    {"rejectattr", f_rejectattr, {NULL}, true},
    {"replace", f_replace, {"old", "new", "count", NULL}, false},
    {"reverse", f_reverse, {NULL}, false},
    {"round", f_round, {"precision", "method", NULL}, false},
    {"safe", f_identity, {NULL}, false},
    {"select", f_select, {NULL}, true},
    {"selectattr", f_selectattr, {NULL}, true},
    {"slice", f_slice, {"slices", "fill_with", NULL}, false},
    {"sort", f_sort, {"reverse", "case_sensitive", "attribute", NULL}, false},
    {"string", f_string, {NULL}, false},
    {"striptags", f_striptags, {NULL}, false},
    {"sum", f_sum, {"attribute", "start", NULL}, false},
    {"title", f_title, {NULL}, false},
    {"tojson", f_tojson, {"indent", NULL}, false},
    {"trim", f_trim, {"chars", NULL}, false},
    {"truncate", f_truncate, {"length", "killwords", "end", "leeway", NULL}, false},
    {"unique", f_unique, {"case_sensitive", "attribute", NULL}, false},
    {"upper", f_upper, {NULL}, false},
    {"wordcount", f_wordcount, {NULL}, false},
};

#define NFILTERS (sizeof filters / sizeof *filters)

const struct filter_def *xf_tpl_find_filter(struct xf_str name)
{
    for (size_t i = 0; i < NFILTERS; i++) {
        if (xf_str_eqc(name, filters[i].name))
            return &filters[i];
    }
    return NULL;
}

const char *xf_tpl_suggest_filter(struct xf_str name)
{
    const char *names[NFILTERS];
    for (size_t i = 0; i < NFILTERS; i++)
        names[i] = filters[i].name;
    return xf_tpl_suggest_close(name, names, NFILTERS);
}

int xf_tpl_apply_filter(struct xf_render *r, struct xf_value *out, const struct filter_def *f,
                        const struct xf_value *v, const struct xf_args *args)
{
    const struct xf_value *p[6] = {NULL};
    size_t np = 0;
    while (np < 6 && f->params[np])
        np++;
    if (!f->varargs || np) {
        char what[48];
        snprintf(what, sizeof what, "filter '%s'", f->name);
        if (xf_tpl_bind_params(r, p, what, f->params, np, args, f->varargs) < 0)
            return -1;
    }
    return f->fn(out, r, v, p, args);
}

/* ---- tests ---- */

#define TEST(name)                                                                                 \
    static int t_##name(bool *out, struct xf_render *r, const struct xf_value *v,                  \
                        const struct xf_args *args)

static const struct xf_value *targ(const struct xf_args *a)
{
    return a->npos ? &a->pos[0] : a->nkw ? &a->kwvals[0] : NULL;
}

TEST(defined)
{
    (void)r;
    (void)args;
    *out = v->t != XF_V_UNDEF;
    return 0;
}
TEST(undefined)
{
    (void)r;
    (void)args;
    *out = v->t == XF_V_UNDEF;
    return 0;
}
TEST(none)
{
    (void)r;
    (void)args;
    *out = v->t == XF_V_NONE;
    return 0;
}
TEST(boolean)
{
    (void)r;
    (void)args;
    *out = v->t == XF_V_BOOL;
    return 0;
}
TEST(false)
{
    (void)r;
    (void)args;
    *out = v->t == XF_V_BOOL && !v->u.b;
    return 0;
}
TEST(true)
{
    (void)r;
    (void)args;
    *out = v->t == XF_V_BOOL && v->u.b;
    return 0;
}
TEST(integer)
{
    (void)r;
    (void)args;
    *out = v->t == XF_V_INT;
    return 0;
}
TEST(float)
{
    (void)r;
    (void)args;
    *out = v->t == XF_V_FLOAT;
    return 0;
}
TEST(number)
{
    (void)r;
    (void)args;
    *out = v->t == XF_V_INT || v->t == XF_V_FLOAT || v->t == XF_V_BOOL;
    return 0;
}
TEST(string)
{
    (void)r;
    (void)args;
    *out = v->t == XF_V_STR;
    return 0;
}
TEST(mapping)
{
    (void)r;
    (void)args;
    *out = v->t == XF_V_DICT || (v->t == XF_V_OBJ && v->u.o->ops->is_mapping);
    return 0;
}
TEST(iterable)
{
    (void)r;
    (void)args;
    *out = v->t == XF_V_LIST || v->t == XF_V_DICT || v->t == XF_V_STR || v->t == XF_V_UNDEF;
    return 0;
}
TEST(sequence)
{
    (void)r;
    (void)args;
    *out = v->t == XF_V_LIST || v->t == XF_V_DICT || v->t == XF_V_STR;
    return 0;
}
TEST(callable)
{
    (void)r;
    (void)args;
    *out = xf_tpl_is_callable(v);
    return 0;
}
TEST(escaped)
{
    (void)r;
    (void)v;
    (void)args;
    *out = false;
    return 0;
}
TEST(sameas)
{
    const struct xf_value *o = targ(args);
    (void)r;
    if (!o) {
        *out = false;
        return 0;
    }
    if (v->t != o->t) {
        *out = false;
        return 0;
    }
    switch (v->t) {
    case XF_V_LIST:
        *out = v->u.l == o->u.l;
        break;
    case XF_V_DICT:
        *out = v->u.d == o->u.d;
        break;
    default:
        *out = xf_value_equal(v, o);
    }
    return 0;
}
TEST(in)
{
    const struct xf_value *seq = targ(args);
    if (!seq)
        return xf_render_error(r, "test 'in' needs a sequence");
    if (seq->t == XF_V_LIST) {
        *out = false;
        for (size_t i = 0; i < seq->u.l->n && !*out; i++)
            *out = xf_value_equal(v, &seq->u.l->items[i]);
        return 0;
    }
    if (seq->t == XF_V_DICT) {
        *out = v->t == XF_V_STR && xf_dict_get(seq->u.d, v->u.s);
        return 0;
    }
    if (seq->t == XF_V_STR && v->t == XF_V_STR) {
        *out = !v->u.s.len || memmem(seq->u.s.p, seq->u.s.len, v->u.s.p, v->u.s.len);
        return 0;
    }
    return xf_render_error(r, "test 'in' needs a list, dict or string, not %s",
                           xf_tpl_py_tname(seq));
}
TEST(divisibleby)
{
    const struct xf_value *n = targ(args);
    if (!n || (n->t != XF_V_INT && n->t != XF_V_BOOL))
        return xf_render_error(r, "test 'divisibleby' needs an integer");
    int64_t d = n->t == XF_V_INT ? n->u.i : n->u.b;
    if (d == 0)
        return xf_render_error(r, "division by zero");
    if (v->t == XF_V_INT || v->t == XF_V_BOOL)
        *out = (v->t == XF_V_INT ? v->u.i : v->u.b) % d == 0;
    else if (v->t == XF_V_FLOAT)
        *out = fmod(v->u.f, (double)d) == 0;
    else
        return xf_render_error(r, "test 'divisibleby' needs a number, not %s", xf_tpl_py_tname(v));
    return 0;
}
static int parity(bool *out, struct xf_render *r, const struct xf_value *v, int want)
{
    if (v->t != XF_V_INT && v->t != XF_V_BOOL)
        return xf_render_error(r, "test '%s' needs an integer, not %s", want ? "odd" : "even",
                               xf_tpl_py_tname(v));
    int64_t i = v->t == XF_V_INT ? v->u.i : v->u.b;
    *out = (i % 2 != 0) == (want == 1);
    return 0;
}
TEST(even)
{
    (void)args;
    return parity(out, r, v, 0);
}
TEST(odd)
{
    (void)args;
    return parity(out, r, v, 1);
}
static bool all_case(struct xf_str s, bool upper)
{
    bool cased = false;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (upper ? islower(c) : isupper(c))
            return false;
        if (isalpha(c))
            cased = true;
    }
    return cased;
}
TEST(lower)
{
    (void)args;
    *out = all_case(xf_tpl_str_value(r, v).u.s, false);
    return 0;
}
TEST(upper)
{
    (void)args;
    *out = all_case(xf_tpl_str_value(r, v).u.s, true);
    return 0;
}
static int cmp_test(bool *out, struct xf_render *r, const struct xf_value *v,
                    const struct xf_args *args, char op)
{
    const struct xf_value *o = targ(args);
    if (!o)
        return xf_render_error(r, "the comparison test needs a value to compare with");
    if (op == '=' || op == '!') {
        *out = xf_value_equal(v, o) == (op == '=');
        return 0;
    }
    int c;
    if (xf_tpl_compare_values(r, &c, v, o, false) < 0)
        return -1;
    *out = op == '<' ? c < 0 : op == 'l' ? c <= 0 : op == '>' ? c > 0 : c >= 0;
    return 0;
}
TEST(eq)
{
    return cmp_test(out, r, v, args, '=');
}
TEST(ne)
{
    return cmp_test(out, r, v, args, '!');
}
TEST(lt)
{
    return cmp_test(out, r, v, args, '<');
}
TEST(le)
{
    return cmp_test(out, r, v, args, 'l');
}
TEST(gt)
{
    return cmp_test(out, r, v, args, '>');
}
TEST(ge)
{
    return cmp_test(out, r, v, args, 'g');
}
TEST(filter)
{
    (void)r;
    (void)args;
    *out = v->t == XF_V_STR && xf_tpl_find_filter(v->u.s);
    return 0;
}
TEST(test)
{
    (void)r;
    (void)args;
    *out = v->t == XF_V_STR && xf_tpl_find_test(v->u.s);
    return 0;
}

/* Sorted by name (strcmp order) for the binary search. */
static const struct test_def tests[] = {
    {"!=", t_ne, 1},
    {"<", t_lt, 1},
    {"<=", t_le, 1},
    {"==", t_eq, 1},
    {">", t_gt, 1},
    {">=", t_ge, 1},
    {"boolean", t_boolean, 0},
    {"callable", t_callable, 0},
    {"defined", t_defined, 0},
    {"divisibleby", t_divisibleby, 1},
    {"eq", t_eq, 1},
    {"equalto", t_eq, 1},
    {"escaped", t_escaped, 0},
    {"even", t_even, 0},
    {"false", t_false, 0},
    {"filter", t_filter, 0},
    {"float", t_float, 0},
    {"ge", t_ge, 1},
    {"greaterthan", t_gt, 1},
    {"gt", t_gt, 1},
    {"in", t_in, 1},
    {"integer", t_integer, 0},
    {"iterable", t_iterable, 0},
    {"le", t_le, 1},
    {"lessthan", t_lt, 1},
    {"lower", t_lower, 0},
    {"lt", t_lt, 1},
    {"mapping", t_mapping, 0},
    {"ne", t_ne, 1},
    {"none", t_none, 0},
    {"number", t_number, 0},
    {"odd", t_odd, 0},
    {"sameas", t_sameas, 1},
    {"sequence", t_sequence, 0},
    {"string", t_string, 0},
    {"test", t_test, 0},
    {"true", t_true, 0},
    {"undefined", t_undefined, 0},
    {"upper", t_upper, 0},
};

#define NTESTS (sizeof tests / sizeof *tests)

const struct test_def *xf_tpl_find_test(struct xf_str name)
{
    for (size_t i = 0; i < NTESTS; i++) {
        if (xf_str_eqc(name, tests[i].name))
            return &tests[i];
    }
    return NULL;
}

const char *xf_tpl_suggest_test(struct xf_str name)
{
    const char *names[NTESTS];
    for (size_t i = 0; i < NTESTS; i++)
        names[i] = tests[i].name;
    return xf_tpl_suggest_close(name, names, NTESTS);
}

int xf_tpl_apply_test(struct xf_render *r, bool *out, const struct test_def *t,
                      const struct xf_value *v, const struct xf_args *args)
{
    size_t given = args->npos + args->nkw;
    if ((int)given > t->nargs) {
        return xf_render_error(r, "test '%s' takes %d argument%s (%zu given)", t->name, t->nargs,
                               t->nargs == 1 ? "" : "s", given);
    }
    if ((int)given < t->nargs)
        return xf_render_error(r, "test '%s' needs a value to test against", t->name);
    return t->fn(out, r, v, args);
}
