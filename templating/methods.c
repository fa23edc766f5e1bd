// SPDX-License-Identifier: MIT
/*
 * Python methods of the builtin types as templates call them: str
 * (upper, split, format ...), list (append, pop ...) and dict (get,
 * items, update ...). Lists and dicts are changed in place, as in Python.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "templating/internal.h"

typedef int (*method_fn)(struct xf_value *out, struct xf_render *r, const struct xf_value *self,
                         const struct xf_args *args);

struct method_def {
    const char *name;
    method_fn fn;
    const char *params[4];
    bool varargs;
};

#define METHOD(name)                                                                               \
    static int name(struct xf_value *out, struct xf_render *r, const struct xf_value *self,        \
                    const struct xf_args *args)

/* Binds args to the method's parameters into p[]. */
static int margs(struct xf_render *r, const struct xf_value **p, const struct method_def *m,
                 const struct xf_args *args);

static struct xf_value arena_str(struct xf_render *r, const char *p, size_t n)
{
    return xf_v_str(xf_str_n(xf_arena_strndup(r->a, p, n), n));
}

static int need_str(struct xf_render *r, const struct xf_value *v, const char *what,
                    struct xf_str *out)
{
    if (!v || v->t != XF_V_STR)
        return xf_render_error(r, "%s must be a string, not %s", what,
                               v ? xf_tpl_py_tname(v) : "missing");
    *out = v->u.s;
    return 0;
}

static int opt_int(struct xf_render *r, const struct xf_value *v, int64_t def, int64_t *out)
{
    if (!v || v->t == XF_V_NONE) {
        *out = def;
        return 0;
    }
    if (v->t == XF_V_INT || v->t == XF_V_BOOL) {
        *out = v->t == XF_V_INT ? v->u.i : v->u.b;
        return 0;
    }
    return xf_render_error(r, "expected an integer, not %s", xf_tpl_py_tname(v));
}

/* Byte offset of code point index i (clamped), Python slice rules for negatives. */
static size_t cp_byte(struct xf_str s, int64_t i)
{
    int64_t n = (int64_t)xf_tpl_utf8_len(s);
    if (i < 0)
        i = i + n < 0 ? 0 : i + n;
    if (i > n)
        i = n;
    size_t b = 0;
    for (int64_t c = 0; b < s.len && c < i; c++) {
        b++;
        while (b < s.len && ((unsigned char)s.p[b] & 0xC0) == 0x80)
            b++;
    }
    return b;
}

/* The [start:end] part of s for find/count/startswith (*lo = its byte start). */
static int sub_range(struct xf_render *r, struct xf_str s, const struct xf_args *args, size_t pos,
                     struct xf_str *out, size_t *lo)
{
    const struct xf_value *a = xf_arg(args, pos, "start"), *b = xf_arg(args, pos + 1, "end");
    int64_t st = 0, en = INT64_MAX;
    if (opt_int(r, a, 0, &st) < 0 || opt_int(r, b, INT64_MAX, &en) < 0)
        return -1;
    size_t bs = cp_byte(s, st), be = en == INT64_MAX ? s.len : cp_byte(s, en);
    if (be < bs)
        be = bs;
    *lo = bs;
    *out = xf_str_n(s.p + bs, be - bs);
    return 0;
}

/* ---- Unicode case mapping (Latin-1, Latin Extended-A, Greek, Cyrillic) ---- */

static uint32_t cp_upper(uint32_t c)
{
    if (c < 0x80)
        return c >= 'a' && c <= 'z' ? c - 32 : c;
    if ((c >= 0xE0 && c <= 0xFE && c != 0xF7))
        return c - 0x20;
    if (c == 0xFF)
        return 0x178;
    if (c == 0xB5)
        return 0x39C;
    if (c >= 0x100 && c <= 0x17F) {
        if (c == 0x131)
            return 'I';
        if (c == 0x17F)
            return 'S';
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
            return (c % 2 == 0) ? c - 1 : c;
        if (c == 0x130 || c == 0x138 || c == 0x149 || c == 0x178)
            return c;
        return (c % 2 == 1) ? c - 1 : c;
    }
    if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2)
        return c - 0x20;
    if (c == 0x3C2)
        return 0x3A3;
    if (c >= 0x3AC && c <= 0x3AF) {
        static const uint32_t m[] = {0x386, 0x388, 0x389, 0x38A};
        return m[c - 0x3AC];
    }
    if (c == 0x3CC)
        return 0x38C;
    if (c == 0x3CD || c == 0x3CE)
        return c - 0x3F;
    if (c >= 0x430 && c <= 0x44F)
        return c - 0x20;
    if (c >= 0x450 && c <= 0x45F)
        return c - 0x50;
    return c;
}

static uint32_t cp_lower(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        return c + 0x20;
    if (c == 0x178)
        return 0xFF;
    if (c >= 0x100 && c <= 0x17F) {
        if (c == 0x130)
            return 'i';
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
            return (c % 2 == 1) ? c + 1 : c;
        if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F)
            return c;
        return (c % 2 == 0) ? c + 1 : c;
    }
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2)
        return c + 0x20;
    if (c == 0x386)
        return 0x3AC;
    if (c >= 0x388 && c <= 0x38A)
        return c + 0x25;
    if (c == 0x38C)
        return 0x3CC;
    if (c == 0x38E || c == 0x38F)
        return c + 0x3F;
    if (c >= 0x410 && c <= 0x42F)
        return c + 0x20;
    if (c >= 0x400 && c <= 0x40F)
        return c + 0x50;
    return c;
}

static bool cp_cased(uint32_t c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return cp_upper(c) != c || cp_lower(c) != c || c == 0xDF;
}

static size_t dec_utf8(const char *p, size_t n, uint32_t *c)
{
    unsigned char b = (unsigned char)p[0];
    size_t len = b < 0x80             ? 1
                 : (b & 0xE0) == 0xC0 ? 2
                 : (b & 0xF0) == 0xE0 ? 3
                 : (b & 0xF8) == 0xF0 ? 4
                                      : 1;
    if (len > n)
        len = 1;
    if (len == 1) {
        *c = b;
        return 1;
    }
    uint32_t v = b & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if (((unsigned char)p[i] & 0xC0) != 0x80) {
            *c = b;
            return 1;
        }
        v = (v << 6) | ((unsigned char)p[i] & 0x3F);
    }
    *c = v;
    return len;
}

static void enc_utf8(struct xf_buf *b, uint32_t c)
{
    char d[4];
    size_t n;
    if (c < 0x80) {
        d[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        d[0] = (char)(0xC0 | (c >> 6));
        d[1] = (char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        d[0] = (char)(0xE0 | (c >> 12));
        d[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        d[2] = (char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        d[0] = (char)(0xF0 | (c >> 18));
        d[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        d[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        d[3] = (char)(0x80 | (c & 0x3F));
        n = 4;
    }
    xf_buf_add(b, d, n);
}

static bool jinja_title_sep(uint32_t c)
{
    return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || c == ' ' || c == '\t' ||
           c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

struct xf_value xf_tpl_case_convert(struct xf_render *r, struct xf_str s, enum case_mode mode)
{
    size_t mark = r->out->len;
    bool prev_cased = false, first = true;
    for (size_t i = 0; i < s.len;) {
        uint32_t c;
        size_t n = dec_utf8(s.p + i, s.len - i, &c);
        i += n;
        uint32_t o = c;
        switch (mode) {
        case CASE_UPPER:
            if (c == 0xDF) {
                xf_buf_adds(r->out, "SS");
                continue;
            }
            o = cp_upper(c);
            break;
        case CASE_LOWER:
            o = cp_lower(c);
            break;
        case CASE_TITLE: /* Python's str.title: a cased letter after an uncased one is upper */
            o = prev_cased ? cp_lower(c) : cp_upper(c);
            prev_cased = cp_cased(c);
            break;
        case CASE_JINJA_TITLE: /* words split at white space, - ( { [ < */
            if (jinja_title_sep(c)) {
                first = true;
            } else {
                o = first ? cp_upper(c) : cp_lower(c);
                first = false;
            }
            break;
        case CASE_CAPITALIZE:
            o = first ? cp_upper(c) : cp_lower(c);
            first = false;
            break;
        case CASE_SWAP:
            o = cp_upper(c) != c ? cp_upper(c) : cp_lower(c);
            break;
        }
        if (o == c)
            xf_buf_add(r->out, s.p + i - n, n);
        else
            enc_utf8(r->out, o);
    }
    struct xf_value v = arena_str(r, r->out->ptr + mark, r->out->len - mark);
    xf_buf_setlen(r->out, mark);
    return v;
}

/* ---- str ---- */

METHOD(s_upper)
{
    (void)args;
    *out = xf_tpl_case_convert(r, self->u.s, CASE_UPPER);
    return 0;
}
METHOD(s_lower)
{
    (void)args;
    *out = xf_tpl_case_convert(r, self->u.s, CASE_LOWER);
    return 0;
}
METHOD(s_title)
{
    (void)args;
    *out = xf_tpl_case_convert(r, self->u.s, CASE_TITLE);
    return 0;
}
METHOD(s_capitalize)
{
    (void)args;
    *out = xf_tpl_case_convert(r, self->u.s, CASE_CAPITALIZE);
    return 0;
}
METHOD(s_swapcase)
{
    (void)args;
    *out = xf_tpl_case_convert(r, self->u.s, CASE_SWAP);
    return 0;
}

static int strip_common(struct xf_value *out, struct xf_render *r, const struct xf_value *self,
                        const struct xf_args *args, bool left, bool right)
{
    const struct xf_value *chars = xf_arg(args, 0, "chars");
    if (chars && chars->t != XF_V_STR && chars->t != XF_V_NONE)
        return xf_render_error(r, "strip characters must be a string, not %s",
                               xf_tpl_py_tname(chars));
    *out = xf_v_str(xf_tpl_strip_chars(self->u.s, chars, left, right));
    return 0;
}
METHOD(s_strip)
{
    return strip_common(out, r, self, args, true, true);
}
METHOD(s_lstrip)
{
    return strip_common(out, r, self, args, true, false);
}
METHOD(s_rstrip)
{
    return strip_common(out, r, self, args, false, true);
}

static bool is_sp(char c)
{
    return isspace((unsigned char)c) != 0;
}

static int split_common(struct xf_value *out, struct xf_render *r, const struct xf_value *self,
                        const struct xf_args *args, bool from_right)
{
    const struct xf_value *sepv = xf_arg(args, 0, "sep");
    int64_t maxsplit = 0;
    if (opt_int(r, xf_arg(args, 1, "maxsplit"), -1, &maxsplit) < 0)
        return -1;
    struct xf_str s = self->u.s;
    struct xf_value res = xf_v_list(r->a, 4);
    if (!sepv || sepv->t == XF_V_NONE) {
        /* runs of white space; empty strings dropped */
        struct {
            struct xf_str *v;
            size_t n, cap;
        } pieces = {0};
        if (!from_right) {
            size_t i = 0;
            int64_t done = 0;
            while (i < s.len) {
                while (i < s.len && is_sp(s.p[i]))
                    i++;
                if (i >= s.len)
                    break;
                if (maxsplit >= 0 && done >= maxsplit) {
                    size_t e = s.len;
                    while (e > i && is_sp(s.p[e - 1]))
                        e--;
                    xf_avec_push(r->a, &pieces, xf_str_n(s.p + i, e - i));
                    break;
                }
                size_t j = i;
                while (j < s.len && !is_sp(s.p[j]))
                    j++;
                xf_avec_push(r->a, &pieces, xf_str_n(s.p + i, j - i));
                done++;
                i = j;
            }
            for (size_t k = 0; k < pieces.n; k++)
                xf_list_push(r->a, res.u.l, xf_v_str(pieces.v[k]));
        } else {
            size_t e = s.len;
            int64_t done = 0;
            while (e > 0) {
                while (e > 0 && is_sp(s.p[e - 1]))
                    e--;
                if (e == 0)
                    break;
                if (maxsplit >= 0 && done >= maxsplit) {
                    size_t b = 0;
                    while (b < e && is_sp(s.p[b]))
                        b++;
                    xf_avec_push(r->a, &pieces, xf_str_n(s.p + b, e - b));
                    break;
                }
                size_t b = e;
                while (b > 0 && !is_sp(s.p[b - 1]))
                    b--;
                xf_avec_push(r->a, &pieces, xf_str_n(s.p + b, e - b));
                done++;
                e = b;
            }
            for (size_t k = pieces.n; k-- > 0;)
                xf_list_push(r->a, res.u.l, xf_v_str(pieces.v[k]));
        }
        *out = res;
        return 0;
    }
    struct xf_str sep = {0};
    if (need_str(r, sepv, "the separator", &sep) < 0)
        return -1;
    if (!sep.len)
        return xf_render_error(r, "empty separator");
    if (!from_right) {
        size_t i = 0;
        int64_t done = 0;
        for (;;) {
            const char *m = NULL;
            if (maxsplit < 0 || done < maxsplit)
                m = i <= s.len ? memmem(s.p + i, s.len - i, sep.p, sep.len) : NULL;
            if (!m) {
                xf_list_push(r->a, res.u.l, xf_v_str(xf_str_n(s.p + i, s.len - i)));
                break;
            }
            size_t at = (size_t)(m - s.p);
            xf_list_push(r->a, res.u.l, xf_v_str(xf_str_n(s.p + i, at - i)));
            i = at + sep.len;
            done++;
        }
    } else {
        struct {
            struct xf_str *v;
            size_t n, cap;
        } pieces = {0};
        size_t e = s.len;
        int64_t done = 0;
        for (;;) {
            size_t at = (size_t)-1;
            if ((maxsplit < 0 || done < maxsplit) && e >= sep.len) {
                for (size_t k = e - sep.len + 1; k-- > 0;) {
                    if (memcmp(s.p + k, sep.p, sep.len) == 0) {
                        at = k;
                        break;
                    }
                }
            }
            if (at == (size_t)-1) {
                xf_avec_push(r->a, &pieces, xf_str_n(s.p, e));
                break;
            }
            xf_avec_push(r->a, &pieces, xf_str_n(s.p + at + sep.len, e - at - sep.len));
            e = at;
            done++;
        }
        for (size_t k = pieces.n; k-- > 0;)
            xf_list_push(r->a, res.u.l, xf_v_str(pieces.v[k]));
    }
    *out = res;
    return 0;
}
METHOD(s_split)
{
    return split_common(out, r, self, args, false);
}
METHOD(s_rsplit)
{
    return split_common(out, r, self, args, true);
}

METHOD(s_splitlines)
{
    bool keep = false;
    const struct xf_value *k = xf_arg(args, 0, "keepends");
    if (k)
        keep = xf_value_truthy(k);
    struct xf_str s = self->u.s;
    struct xf_value res = xf_v_list(r->a, 4);
    size_t i = 0;
    while (i < s.len) {
        size_t e = i;
        while (e < s.len && s.p[e] != '\n' && s.p[e] != '\r')
            e++;
        size_t next = e;
        if (e < s.len) {
            next = e + 1;
            if (s.p[e] == '\r' && next < s.len && s.p[next] == '\n')
                next++;
        }
        xf_list_push(r->a, res.u.l, xf_v_str(xf_str_n(s.p + i, (keep ? next : e) - i)));
        i = next;
    }
    *out = res;
    return 0;
}

METHOD(s_replace)
{
    const struct xf_value *p[3];
    static const struct method_def m = {"replace", NULL, {"old", "new", "count", NULL}, false};
    if (margs(r, p, &m, args) < 0)
        return -1;
    struct xf_str old = {0}, new = {0};
    int64_t count = 0;
    if (need_str(r, p[0], "the old string", &old) < 0 ||
        need_str(r, p[1], "the new string", &new) < 0 || opt_int(r, p[2], -1, &count) < 0)
        return -1;
    struct xf_str s = self->u.s;
    if (xf_tpl_render_reserve_replace(r, s, old, new, count) < 0)
        return -1;
    size_t mark = r->out->len;
    int64_t done = 0;
    if (!old.len) {
        for (size_t j = 0; j <= s.len; j++) {
            if (count < 0 || done < count) {
                xf_buf_addstr(r->out, new);
                done++;
            }
            if (j < s.len)
                xf_buf_addch(r->out, s.p[j]);
        }
    } else {
        for (size_t i = 0; i < s.len;) {
            if ((count < 0 || done < count) && i + old.len <= s.len &&
                !memcmp(s.p + i, old.p, old.len)) {
                xf_buf_addstr(r->out, new);
                i += old.len;
                done++;
            } else {
                xf_buf_addch(r->out, s.p[i++]);
            }
        }
    }
    *out = arena_str(r, r->out->ptr + mark, r->out->len - mark);
    xf_buf_setlen(r->out, mark);
    return 0;
}

/* prefix may be a string or a tuple/list of strings */
static int affix(struct xf_value *out, struct xf_render *r, const struct xf_value *self,
                 const struct xf_args *args, bool end)
{
    const struct xf_value *a = xf_arg(args, 0, end ? "suffix" : "prefix");
    if (!a)
        return xf_render_error(r, "%s() needs an argument", end ? "endswith" : "startswith");
    const struct xf_value *items = a;
    size_t n = 1;
    if (a->t == XF_V_LIST) {
        items = a->u.l->items;
        n = a->u.l->n;
    }
    struct xf_str s;
    size_t lo;
    if (sub_range(r, self->u.s, args, 1, &s, &lo) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct xf_str x = {0};
        if (need_str(r, &items[i], end ? "the suffix" : "the prefix", &x) < 0)
            return -1;
        if (s.len >= x.len && !memcmp(end ? s.p + s.len - x.len : s.p, x.p, x.len)) {
            *out = xf_v_bool(true);
            return 0;
        }
    }
    *out = xf_v_bool(false);
    return 0;
}
METHOD(s_startswith)
{
    return affix(out, r, self, args, false);
}
METHOD(s_endswith)
{
    return affix(out, r, self, args, true);
}

METHOD(s_format)
{
    return xf_tpl_py_str_format(r, out, self->u.s, args);
}

METHOD(s_join)
{
    const struct xf_value *it = xf_arg(args, 0, "iterable");
    if (!it)
        return xf_render_error(r, "join() needs an iterable");
    struct xf_value l;
    if (xf_tpl_to_list(r, &l, it) < 0)
        return -1;
    uint64_t total = 0;
    for (size_t i = 0; i < l.u.l->n && total <= r->max_bytes; i++) {
        if (l.u.l->items[i].t == XF_V_STR)
            total += l.u.l->items[i].u.s.len + (i ? self->u.s.len : 0);
    }
    if (xf_tpl_render_reserve(r, total) < 0)
        return -1;
    size_t mark = r->out->len;
    for (size_t i = 0; i < l.u.l->n; i++) {
        if (l.u.l->items[i].t != XF_V_STR) {
            xf_buf_setlen(r->out, mark);
            return xf_render_error(r, "join() item %zu is %s, not a string", i,
                                   xf_tpl_py_tname(&l.u.l->items[i]));
        }
        if (i)
            xf_buf_addstr(r->out, self->u.s);
        xf_buf_addstr(r->out, l.u.l->items[i].u.s);
    }
    *out = arena_str(r, r->out->ptr + mark, r->out->len - mark);
    xf_buf_setlen(r->out, mark);
    return 0;
}

/* Code point index of a byte offset. */
static int64_t cp_index(struct xf_str s, size_t byte)
{
    return (int64_t)xf_tpl_utf8_len(xf_str_n(s.p, byte));
}

static int find_common(struct xf_value *out, struct xf_render *r, const struct xf_value *self,
                       const struct xf_args *args, bool rev, bool strict, const char *name)
{
    struct xf_str sub = {0};
    if (need_str(r, xf_arg(args, 0, "sub"), "the substring", &sub) < 0)
        return -1;
    struct xf_str s;
    size_t lo;
    if (sub_range(r, self->u.s, args, 1, &s, &lo) < 0)
        return -1;
    int64_t at = -1;
    if (!rev) {
        const char *m = sub.len ? memmem(s.p, s.len, sub.p, sub.len) : s.p;
        if (m)
            at = cp_index(self->u.s, lo + (size_t)(m - s.p));
    } else if (s.len >= sub.len) {
        for (size_t k = s.len - sub.len + 1; k-- > 0;) {
            if (!memcmp(s.p + k, sub.p, sub.len)) {
                at = cp_index(self->u.s, lo + k);
                break;
            }
        }
    }
    if (at < 0 && strict)
        return xf_render_error(r, "%s(): substring '%.*s' not found", name, XF_STR_ARG(sub));
    *out = xf_v_int(at);
    return 0;
}
METHOD(s_find)
{
    return find_common(out, r, self, args, false, false, "find");
}
METHOD(s_rfind)
{
    return find_common(out, r, self, args, true, false, "rfind");
}
METHOD(s_index)
{
    return find_common(out, r, self, args, false, true, "index");
}
METHOD(s_rindex)
{
    return find_common(out, r, self, args, true, true, "rindex");
}

METHOD(s_count)
{
    struct xf_str sub = {0};
    if (need_str(r, xf_arg(args, 0, "sub"), "the substring", &sub) < 0)
        return -1;
    struct xf_str s;
    size_t lo;
    if (sub_range(r, self->u.s, args, 1, &s, &lo) < 0)
        return -1;
    int64_t n = 0;
    if (!sub.len) {
        n = (int64_t)xf_tpl_utf8_len(s) + 1;
    } else {
        for (size_t i = 0; i + sub.len <= s.len;) {
            if (!memcmp(s.p + i, sub.p, sub.len)) {
                n++;
                i += sub.len;
            } else {
                i++;
            }
        }
    }
    *out = xf_v_int(n);
    return 0;
}

static int char_class(struct xf_value *out, const struct xf_value *self, int (*pred)(int))
{
    struct xf_str s = self->u.s;
    bool ok = s.len > 0;
    for (size_t i = 0; i < s.len && ok; i++)
        ok = pred((unsigned char)s.p[i]) != 0;
    *out = xf_v_bool(ok);
    return 0;
}
METHOD(s_isdigit)
{
    (void)r;
    (void)args;
    return char_class(out, self, isdigit);
}
METHOD(s_isalpha)
{
    (void)r;
    (void)args;
    return char_class(out, self, isalpha);
}
METHOD(s_isalnum)
{
    (void)r;
    (void)args;
    return char_class(out, self, isalnum);
}
METHOD(s_isspace)
{
    (void)r;
    (void)args;
    return char_class(out, self, isspace);
}
static int cased(struct xf_value *out, const struct xf_value *self, bool upper)
{
    struct xf_str s = self->u.s;
    bool any = false;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (upper ? islower(c) : isupper(c)) {
            *out = xf_v_bool(false);
            return 0;
        }
        any |= isalpha(c) != 0;
    }
    *out = xf_v_bool(any);
    return 0;
}
METHOD(s_islower)
{
    (void)r;
    (void)args;
    return cased(out, self, false);
}
METHOD(s_isupper)
{
    (void)r;
    (void)args;
    return cased(out, self, true);
}

static int justify(struct xf_value *out, struct xf_render *r, const struct xf_value *self,
                   const struct xf_args *args, int mode)
{
    int64_t width = 0;
    if (opt_int(r, xf_arg(args, 0, "width"), 0, &width) < 0)
        return -1;
    struct xf_str fill = XF_STR(" ");
    const struct xf_value *f = xf_arg(args, 1, "fillchar");
    if (f && need_str(r, f, "the fill character", &fill) < 0)
        return -1;
    struct xf_str s = self->u.s;
    int64_t len = (int64_t)xf_tpl_utf8_len(s);
    if (width <= len) {
        *out = *self;
        return 0;
    }
    if (xf_tpl_render_reserve(r, (uint64_t)width * fill.len + s.len) < 0)
        return -1;
    int64_t padn = width - len, left = 0;
    if (mode == 1)
        left = padn;
    else if (mode == 2)
        left = padn / 2 + (padn & width & 1);
    size_t mark = r->out->len;
    for (int64_t i = 0; i < left; i++)
        xf_buf_addstr(r->out, fill);
    xf_buf_addstr(r->out, s);
    for (int64_t i = left; i < padn; i++)
        xf_buf_addstr(r->out, fill);
    *out = arena_str(r, r->out->ptr + mark, r->out->len - mark);
    xf_buf_setlen(r->out, mark);
    return 0;
}
METHOD(s_ljust)
{
    return justify(out, r, self, args, 0);
}
METHOD(s_rjust)
{
    return justify(out, r, self, args, 1);
}
METHOD(s_center)
{
    return justify(out, r, self, args, 2);
}

METHOD(s_zfill)
{
    int64_t width = 0;
    if (opt_int(r, xf_arg(args, 0, "width"), 0, &width) < 0)
        return -1;
    struct xf_str s = self->u.s;
    if (width <= (int64_t)s.len) {
        *out = *self;
        return 0;
    }
    if (xf_tpl_render_reserve(r, (uint64_t)width) < 0)
        return -1;
    size_t mark = r->out->len;
    size_t start = 0;
    if (s.len && (s.p[0] == '-' || s.p[0] == '+')) {
        xf_buf_addch(r->out, s.p[0]);
        start = 1;
    }
    for (int64_t i = 0; i < width - (int64_t)s.len; i++)
        xf_buf_addch(r->out, '0');
    xf_buf_add(r->out, s.p + start, s.len - start);
    *out = arena_str(r, r->out->ptr + mark, r->out->len - mark);
    xf_buf_setlen(r->out, mark);
    return 0;
}

static int partition(struct xf_value *out, struct xf_render *r, const struct xf_value *self,
                     const struct xf_args *args, bool rev)
{
    struct xf_str sep = {0};
    if (need_str(r, xf_arg(args, 0, "sep"), "the separator", &sep) < 0)
        return -1;
    if (!sep.len)
        return xf_render_error(r, "empty separator");
    struct xf_str s = self->u.s;
    size_t at = (size_t)-1;
    if (!rev) {
        const char *m = memmem(s.p, s.len, sep.p, sep.len);
        if (m)
            at = (size_t)(m - s.p);
    } else if (s.len >= sep.len) {
        for (size_t k = s.len - sep.len + 1; k-- > 0;) {
            if (!memcmp(s.p + k, sep.p, sep.len)) {
                at = k;
                break;
            }
        }
    }
    struct xf_value t = xf_tpl_new_tuple(r->a, 3);
    if (at == (size_t)-1) {
        xf_list_push(r->a, t.u.l, rev ? xf_v_str(XF_STR("")) : *self);
        xf_list_push(r->a, t.u.l, xf_v_str(XF_STR("")));
        xf_list_push(r->a, t.u.l, rev ? *self : xf_v_str(XF_STR("")));
    } else {
        xf_list_push(r->a, t.u.l, xf_v_str(xf_str_n(s.p, at)));
        xf_list_push(r->a, t.u.l, xf_v_str(sep));
        xf_list_push(r->a, t.u.l, xf_v_str(xf_str_n(s.p + at + sep.len, s.len - at - sep.len)));
    }
    *out = t;
    return 0;
}
METHOD(s_partition)
{
    return partition(out, r, self, args, false);
}
METHOD(s_rpartition)
{
    return partition(out, r, self, args, true);
}

/* ---- list ---- */

static struct xf_list *L(const struct xf_value *self)
{
    return self->u.l;
}

METHOD(l_append)
{
    const struct xf_value *x = xf_arg(args, 0, "object");
    if (!x || args->npos > 1)
        return xf_render_error(r, "append() takes exactly one argument");
    xf_list_push(r->a, L(self), *x);
    *out = xf_v_none();
    return 0;
}

METHOD(l_extend)
{
    const struct xf_value *x = xf_arg(args, 0, "iterable");
    if (!x)
        return xf_render_error(r, "extend() needs an iterable");
    struct xf_value l;
    if (xf_tpl_to_list(r, &l, x) < 0)
        return -1;
    size_t n = l.u.l->n; /* l may be self */
    for (size_t i = 0; i < n; i++)
        xf_list_push(r->a, L(self), l.u.l->items[i]);
    *out = xf_v_none();
    return 0;
}

METHOD(l_pop)
{
    struct xf_list *l = L(self);
    int64_t i = 0;
    if (opt_int(r, xf_arg(args, 0, "index"), -1, &i) < 0)
        return -1;
    if (!l->n)
        return xf_render_error(r, "pop from an empty list");
    if (i < 0)
        i += (int64_t)l->n;
    if (i < 0 || i >= (int64_t)l->n)
        return xf_render_error(r, "pop index out of range");
    *out = l->items[i];
    memmove(&l->items[i], &l->items[i + 1], (l->n - (size_t)i - 1) * sizeof *l->items);
    l->n--;
    return 0;
}

METHOD(l_insert)
{
    struct xf_list *l = L(self);
    int64_t i = 0;
    const struct xf_value *x = xf_arg(args, 1, "object");
    if (opt_int(r, xf_arg(args, 0, "index"), 0, &i) < 0)
        return -1;
    if (!x)
        return xf_render_error(r, "insert() needs an index and a value");
    int64_t n = (int64_t)l->n;
    if (i < 0)
        i = i + n < 0 ? 0 : i + n;
    if (i > n)
        i = n;
    xf_list_push(r->a, l, *x);
    memmove(&l->items[i + 1], &l->items[i], (size_t)(n - i) * sizeof *l->items);
    l->items[i] = *x;
    *out = xf_v_none();
    return 0;
}

static int64_t index_of(const struct xf_list *l, const struct xf_value *x)
{
    for (size_t i = 0; i < l->n; i++) {
        if (xf_value_equal(&l->items[i], x))
            return (int64_t)i;
    }
    return -1;
}

METHOD(l_remove)
{
    struct xf_list *l = L(self);
    const struct xf_value *x = xf_arg(args, 0, "value");
    if (!x)
        return xf_render_error(r, "remove() needs a value");
    int64_t i = index_of(l, x);
    if (i < 0)
        return xf_render_error(r, "remove(): value not in list");
    memmove(&l->items[i], &l->items[i + 1], (l->n - (size_t)i - 1) * sizeof *l->items);
    l->n--;
    *out = xf_v_none();
    return 0;
}

METHOD(l_index)
{
    const struct xf_value *x = xf_arg(args, 0, "value");
    if (!x)
        return xf_render_error(r, "index() needs a value");
    int64_t i = index_of(L(self), x);
    if (i < 0)
        return xf_render_error(r, "index(): value not in list");
    *out = xf_v_int(i);
    return 0;
}

METHOD(l_count)
{
    const struct xf_value *x = xf_arg(args, 0, "value");
    if (!x)
        return xf_render_error(r, "count() needs a value");
    int64_t n = 0;
    for (size_t i = 0; i < L(self)->n; i++)
        n += xf_value_equal(&L(self)->items[i], x);
    *out = xf_v_int(n);
    return 0;
}

METHOD(l_reverse)
{
    (void)r;
    (void)args;
    struct xf_list *l = L(self);
    for (size_t i = 0, j = l->n; i + 1 < j; i++, j--) {
        struct xf_value t = l->items[i];
        l->items[i] = l->items[j - 1];
        l->items[j - 1] = t;
    }
    *out = xf_v_none();
    return 0;
}

METHOD(l_sort)
{
    const struct xf_value *rev = xf_arg(args, (size_t)-1, "reverse");
    if (args->npos)
        return xf_render_error(r, "sort() takes keyword arguments only");
    if (xf_tpl_sort_values(r, L(self)->items, L(self)->n, rev && xf_value_truthy(rev), true,
                           xf_str_n(NULL, 0)) < 0)
        return -1;
    *out = xf_v_none();
    return 0;
}

METHOD(l_copy)
{
    (void)args;
    struct xf_value c = xf_v_list(r->a, L(self)->n);
    for (size_t i = 0; i < L(self)->n; i++)
        xf_list_push(r->a, c.u.l, L(self)->items[i]);
    *out = c;
    return 0;
}

METHOD(l_clear)
{
    (void)r;
    (void)args;
    L(self)->n = 0;
    *out = xf_v_none();
    return 0;
}

/* ---- dict ---- */

static struct xf_dict *D(const struct xf_value *self)
{
    return self->u.d;
}

static int key_arg(struct xf_render *r, const struct xf_value *k, struct xf_str *out)
{
    if (!k)
        return xf_render_error(r, "missing key");
    if (k->t == XF_V_STR) {
        *out = k->u.s;
        return 0;
    }
    *out = xf_tpl_str_value(r, k).u.s;
    return 0;
}

METHOD(d_get)
{
    struct xf_str k = {0};
    if (key_arg(r, xf_arg(args, 0, "key"), &k) < 0)
        return -1;
    const struct xf_value *v = xf_dict_get(D(self), k);
    const struct xf_value *def = xf_arg(args, 1, "default");
    *out = v ? *v : def ? *def : xf_v_none();
    return 0;
}

METHOD(d_items)
{
    (void)args;
    struct xf_value res = xf_v_list(r->a, D(self)->n);
    for (size_t i = 0; i < D(self)->n; i++) {
        struct xf_value t = xf_tpl_new_tuple(r->a, 2);
        xf_list_push(r->a, t.u.l, xf_tpl_dict_key(r, &D(self)->ents[i]));
        xf_list_push(r->a, t.u.l, D(self)->ents[i].val);
        xf_list_push(r->a, res.u.l, t);
    }
    *out = res;
    return 0;
}

METHOD(d_keys)
{
    (void)args;
    struct xf_value res = xf_v_list(r->a, D(self)->n);
    for (size_t i = 0; i < D(self)->n; i++)
        xf_list_push(r->a, res.u.l, xf_tpl_dict_key(r, &D(self)->ents[i]));
    *out = res;
    return 0;
}

METHOD(d_values)
{
    (void)args;
    struct xf_value res = xf_v_list(r->a, D(self)->n);
    for (size_t i = 0; i < D(self)->n; i++)
        xf_list_push(r->a, res.u.l, D(self)->ents[i].val);
    *out = res;
    return 0;
}

METHOD(d_update)
{
    if (args->npos > 1)
        return xf_render_error(r, "update() takes at most one positional argument");
    if (args->npos) {
        const struct xf_value *o = &args->pos[0];
        if (o->t == XF_V_DICT) {
            for (size_t i = 0; i < o->u.d->n; i++)
                xf_tpl_dict_put_ent(r->a, D(self), &o->u.d->ents[i]);
        } else if (o->t == XF_V_LIST) {
            for (size_t i = 0; i < o->u.l->n; i++) {
                const struct xf_value *pair = &o->u.l->items[i];
                if (pair->t != XF_V_LIST || pair->u.l->n != 2)
                    return xf_render_error(r, "update() needs a dict or a list of pairs");
                struct xf_str k = {0};
                if (key_arg(r, &pair->u.l->items[0], &k) < 0)
                    return -1;
                xf_dict_set(r->a, D(self), k, pair->u.l->items[1]);
            }
        } else if (o->t != XF_V_UNDEF && o->t != XF_V_NONE) {
            return xf_render_error(r, "update() needs a dict, not %s", xf_tpl_py_tname(o));
        }
    }
    for (size_t i = 0; i < args->nkw; i++)
        xf_dict_set(r->a, D(self), args->kwnames[i], args->kwvals[i]);
    *out = xf_v_none();
    return 0;
}

METHOD(d_pop)
{
    struct xf_str k = {0};
    if (key_arg(r, xf_arg(args, 0, "key"), &k) < 0)
        return -1;
    const struct xf_value *v = xf_dict_get(D(self), k);
    const struct xf_value *def = xf_arg(args, 1, "default");
    if (!v) {
        if (!def)
            return xf_render_error(r, "pop(): key '%.*s' not found", XF_STR_ARG(k));
        *out = *def;
        return 0;
    }
    *out = *v;
    xf_dict_del(D(self), k);
    return 0;
}

METHOD(d_setdefault)
{
    struct xf_str k = {0};
    if (key_arg(r, xf_arg(args, 0, "key"), &k) < 0)
        return -1;
    const struct xf_value *v = xf_dict_get(D(self), k);
    if (v) {
        *out = *v;
        return 0;
    }
    const struct xf_value *def = xf_arg(args, 1, "default");
    *out = def ? *def : xf_v_none();
    xf_dict_set(r->a, D(self), xf_str_n(xf_arena_strndup(r->a, k.p, k.len), k.len), *out);
    return 0;
}

METHOD(d_copy)
{
    (void)args;
    struct xf_value c = xf_v_dict(r->a, D(self)->n);
    for (size_t i = 0; i < D(self)->n; i++)
        xf_tpl_dict_put_ent(r->a, c.u.d, &D(self)->ents[i]);
    *out = c;
    return 0;
}

METHOD(d_clear)
{
    (void)r;
    (void)args;
    while (D(self)->n)
        xf_dict_del(D(self), D(self)->ents[D(self)->n - 1].key);
    *out = xf_v_none();
    return 0;
}

static const struct method_def str_methods[] = {
    {"capitalize", s_capitalize, {NULL}, false},
    {"center", s_center, {NULL}, true},
    {"count", s_count, {NULL}, true},
    {"endswith", s_endswith, {NULL}, true},
    {"find", s_find, {NULL}, true},
    {"format", s_format, {NULL}, true},
    {"index", s_index, {NULL}, true},
    {"isalnum", s_isalnum, {NULL}, false},
    {"isalpha", s_isalpha, {NULL}, false},
    {"isdigit", s_isdigit, {NULL}, false},
    {"islower", s_islower, {NULL}, false},
    {"isnumeric", s_isdigit, {NULL}, false},
    {"isspace", s_isspace, {NULL}, false},
    {"isupper", s_isupper, {NULL}, false},
    {"join", s_join, {NULL}, true},
    {"ljust", s_ljust, {NULL}, true},
    {"lower", s_lower, {NULL}, false},
    {"lstrip", s_lstrip, {NULL}, true},
    {"partition", s_partition, {NULL}, true},
    {"replace", s_replace, {NULL}, true},
    {"rfind", s_rfind, {NULL}, true},
    {"rindex", s_rindex, {NULL}, true},
    {"rjust", s_rjust, {NULL}, true},
    {"rpartition", s_rpartition, {NULL}, true},
    {"rsplit", s_rsplit, {NULL}, true},
    {"rstrip", s_rstrip, {NULL}, true},
    {"split", s_split, {NULL}, true},
    {"splitlines", s_splitlines, {NULL}, true},
    {"startswith", s_startswith, {NULL}, true},
    {"strip", s_strip, {NULL}, true},
    {"swapcase", s_swapcase, {NULL}, false},
    {"title", s_title, {NULL}, false},
    {"upper", s_upper, {NULL}, false},
    {"zfill", s_zfill, {NULL}, true},
    {NULL, NULL, {NULL}, false},
};

static const struct method_def list_methods[] = {
    {"append", l_append, {NULL}, true}, {"clear", l_clear, {NULL}, false},
    {"copy", l_copy, {NULL}, false},    {"count", l_count, {NULL}, true},
    {"extend", l_extend, {NULL}, true}, {"index", l_index, {NULL}, true},
    {"insert", l_insert, {NULL}, true}, {"pop", l_pop, {NULL}, true},
    {"remove", l_remove, {NULL}, true}, {"reverse", l_reverse, {NULL}, false},
    {"sort", l_sort, {NULL}, true},     {NULL, NULL, {NULL}, false},
};

static const struct method_def tuple_methods[] = {
    {"count", l_count, {NULL}, true},
    {"index", l_index, {NULL}, true},
    {NULL, NULL, {NULL}, false},
};

static const struct method_def dict_methods[] = {
    {"clear", d_clear, {NULL}, false},
    {"copy", d_copy, {NULL}, false},
    {"get", d_get, {NULL}, true},
    {"items", d_items, {NULL}, false},
    {"keys", d_keys, {NULL}, false},
    {"pop", d_pop, {NULL}, true},
    {"setdefault", d_setdefault, {NULL}, true},
    {"update", d_update, {NULL}, true},
    {"values", d_values, {NULL}, false},
    {NULL, NULL, {NULL}, false},
};

static const struct method_def *find_method(const struct xf_value *self, struct xf_str name)
{
    const struct method_def *t;
    switch (self->t) {
    case XF_V_STR:
        t = str_methods;
        break;
    case XF_V_LIST:
        t = self->u.l->tuple ? tuple_methods : list_methods;
        break;
    case XF_V_DICT:
        t = dict_methods;
        break;
    default:
        return NULL;
    }
    for (; t->name; t++) {
        if (xf_str_eqc(name, t->name))
            return t;
    }
    return NULL;
}

static int margs(struct xf_render *r, const struct xf_value **p, const struct method_def *m,
                 const struct xf_args *args)
{
    size_t n = 0;
    while (n < 4 && m->params[n])
        n++;
    char what[48];
    snprintf(what, sizeof what, "%s()", m->name);
    return xf_tpl_bind_params(r, p, what, m->params, n, args, false);
}

bool xf_tpl_has_method(const struct xf_value *self, struct xf_str name)
{
    return find_method(self, name) != NULL;
}

/* list.append, dict.update ...: the list or dict may be older than the loop iteration. */
static void note_write(struct xf_render *r, const struct xf_value *self, const struct method_def *m)
{
    if (self->t == XF_V_STR)
        return;
    static const char *const readers[] = {"copy",  "count", "index", "get",
                                          "items", "keys",  "values"};
    for (size_t i = 0; i < sizeof readers / sizeof *readers; i++) {
        if (!strcmp(m->name, readers[i]))
            return;
    }
    xf_tpl_render_escape(r, 0);
}

int xf_tpl_call_method(struct xf_render *r, struct xf_value *out, const struct xf_value *self,
                       struct xf_str name, const struct xf_args *args)
{
    const struct method_def *m = find_method(self, name);
    if (!m)
        return 1;
    note_write(r, self, m);
    if (!m->varargs && (args->npos || args->nkw)) {
        return xf_render_error(r, "%s() takes no arguments (%zu given)", m->name,
                               args->npos + args->nkw);
    }
    return m->fn(out, r, self, args) < 0 ? -1 : 0;
}

static int bound_call(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                      const struct xf_args *args)
{
    const struct method_def *m = self->data;
    if (!m->varargs && (args->npos || args->nkw)) {
        return xf_render_error(r, "%s() takes no arguments (%zu given)", m->name,
                               args->npos + args->nkw);
    }
    note_write(r, self->self, m);
    return m->fn(out, r, self->self, args);
}

bool xf_tpl_is_bound_method_fn(xf_native_fn fn)
{
    return fn == bound_call;
}

struct xf_value xf_tpl_bound_method(struct xf_render *r, const struct xf_value *self,
                                    struct xf_str name)
{
    const struct method_def *m = find_method(self, name);
    struct xf_func *f = XF_ANEW(r->a, struct xf_func);
    struct xf_value *recv = XF_ANEW(r->a, struct xf_value);
    *recv = *self;
    f->name = m->name;
    f->fn = bound_call;
    f->data = (void *)m;
    f->self = recv;
    return xf_v_func(f);
}
