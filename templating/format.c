// SPDX-License-Identifier: MIT
/*
 * Python string formatting as templates use it: the '%' operator
 * ("%s-%05.2f" % (a, b), "%(name)s" % d) and str.format with the format
 * specification mini-language ("{:>10}", "{0:.2f}", "{name}").
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "templating/internal.h"

/* One more digit of a width or precision, saturating (a huge one is refused later). */
static int add_digit(int n, char d)
{
    n = n < 0 ? 0 : n;
    return n > (1 << 27) ? (1 << 30) : n * 10 + (d - '0');
}

static struct xf_value take(struct xf_render *r, size_t mark)
{
    size_t n = r->out->len - mark;
    struct xf_value v = xf_v_str(xf_str_n(xf_arena_strndup(r->a, r->out->ptr + mark, n), n));
    xf_buf_setlen(r->out, mark);
    return v;
}

static int fail(struct xf_render *r, size_t mark, const char *msg, const char *arg)
{
    xf_buf_setlen(r->out, mark);
    return xf_render_error(r, msg, arg);
}

/*
 * `%c` / `{:c}` of an integer: the UTF-8 of that code point, or Python's
 * OverflowError for a number outside range(0x110000). A lone surrogate is
 * refused too: Python makes one, but it cannot be written to a file.
 */
static int code_point(struct xf_render *r, size_t mark, int64_t i, char out[8])
{
    if (i < 0 || i > 0x10FFFF) {
        xf_buf_setlen(r->out, mark);
        return xf_render_error(r, "%%c arg not in range(0x110000) (got %" PRId64 ")", i);
    }
    if (i >= 0xD800 && i <= 0xDFFF) {
        xf_buf_setlen(r->out, mark);
        return xf_render_error(r, "%%c arg %" PRId64 " is a lone surrogate, not a character", i);
    }
    uint32_t c = (uint32_t)i;
    memset(out, 0, 8);
    if (c < 0x80) {
        out[0] = (char)c;
    } else if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
    } else {
        out[0] = (char)(0xF0 | (c >> 18));
        out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[3] = (char)(0x80 | (c & 0x3F));
    }
    return 0;
}

/* Appends `body` padded to width: align '<' '>' '^' or '=' (after sign). */
static void pad_out(struct xf_buf *b, const char *sign, const char *body, size_t width, char align,
                    struct xf_str fill)
{
    size_t len = strlen(sign) + xf_tpl_utf8_len(xf_str_c(body));
    size_t padn = width > len ? width - len : 0;
    size_t left = 0, right = 0;
    switch (align) {
    case '<':
        right = padn;
        break;
    case '^':
        left = padn / 2;
        right = padn - left;
        break;
    default:
        left = padn;
    }
    if (align == '=') {
        xf_buf_adds(b, sign);
        for (size_t i = 0; i < left; i++)
            xf_buf_addstr(b, fill);
        xf_buf_adds(b, body);
        return;
    }
    for (size_t i = 0; i < left; i++)
        xf_buf_addstr(b, fill);
    xf_buf_adds(b, sign);
    xf_buf_adds(b, body);
    for (size_t i = 0; i < right; i++)
        xf_buf_addstr(b, fill);
}

static bool is_number(const struct xf_value *v)
{
    return v->t == XF_V_INT || v->t == XF_V_FLOAT || v->t == XF_V_BOOL;
}

static double as_double(const struct xf_value *v)
{
    return v->t == XF_V_FLOAT ? v->u.f : v->t == XF_V_INT ? (double)v->u.i : v->u.b;
}

/* Python's repr-like float text without the sign, into buf. */
static void float_body(char *buf, size_t n, double f, char type, int prec, bool alt)
{
    if (isinf(f)) {
        snprintf(buf, n, "%s", isupper((unsigned char)type) ? "INF" : "inf");
        return;
    }
    if (isnan(f)) {
        snprintf(buf, n, "%s", isupper((unsigned char)type) ? "NAN" : "nan");
        return;
    }
    char fmt[16];
    snprintf(fmt, sizeof fmt, "%%%s.%d%c", alt ? "#" : "", prec, type);
    snprintf(buf, n, fmt, f);
}

static void int_body(char *buf, size_t n, uint64_t mag, char type, bool alt)
{
    switch (type) {
    case 'x':
        snprintf(buf, n, "%s%" PRIx64, alt ? "0x" : "", mag);
        break;
    case 'X':
        snprintf(buf, n, "%s%" PRIX64, alt ? "0X" : "", mag);
        break;
    case 'o':
        snprintf(buf, n, "%s%" PRIo64, alt ? "0o" : "", mag);
        break;
    case 'b': {
        char tmp[70];
        size_t k = 0;
        do {
            tmp[k++] = (char)('0' + (mag & 1));
            mag >>= 1;
        } while (mag);
        size_t j = 0;
        if (alt) {
            buf[j++] = '0';
            buf[j++] = 'b';
        }
        while (k && j + 1 < n)
            buf[j++] = tmp[--k];
        buf[j] = 0;
        break;
    }
    default:
        snprintf(buf, n, "%" PRIu64, mag);
    }
}

static void group_digits(char *buf, size_t n, char sep)
{
    /* the integer part is the leading run of digits */
    size_t len = strlen(buf), digits = 0;
    while (digits < len && isdigit((unsigned char)buf[digits]))
        digits++;
    if (digits <= 3)
        return;
    size_t extra = (digits - 1) / 3;
    if (len + extra + 1 > n)
        return;
    memmove(buf + digits + extra, buf + digits, len - digits + 1);
    size_t src = digits, dst = digits + extra, cnt = 0;
    while (src > 0) {
        buf[--dst] = buf[--src];
        if (++cnt % 3 == 0 && src > 0)
            buf[--dst] = sep;
    }
}

/* ---- '%' formatting ---- */

static int percent_one(struct xf_render *r, size_t mark, const struct xf_value *v, char type,
                       const char *flags, int width, int prec)
{
    bool left = strchr(flags, '-') != NULL, zero = strchr(flags, '0') != NULL;
    bool plus = strchr(flags, '+') != NULL, space = strchr(flags, ' ') != NULL;
    bool alt = strchr(flags, '#') != NULL;
    char body[512];
    const char *sign = "";
    struct xf_value sv;
    if (width > 0 && xf_tpl_render_reserve(r, (uint64_t)width) < 0) {
        xf_buf_setlen(r->out, mark);
        return -1;
    }
    switch (type) {
    case 's':
    case 'r':
    case 'a': {
        if (xf_tpl_render_reserve_str(r, v) < 0) {
            xf_buf_setlen(r->out, mark);
            return -1;
        }
        size_t m2 = r->out->len;
        if (type == 's')
            xf_value_str(r->out, v);
        else
            xf_value_repr(r->out, v);
        sv = take(r, m2);
        struct xf_str s = sv.u.s;
        if (prec >= 0 && (size_t)prec < s.len)
            s.len = (size_t)prec;
        char *tmp = xf_arena_strndup(r->a, s.p, s.len);
        pad_out(r->out, "", tmp, width > 0 ? (size_t)width : 0, left ? '<' : '>', XF_STR(" "));
        return 0;
    }
    case 'c':
        if (v->t == XF_V_INT || v->t == XF_V_BOOL) {
            char tmp[8];
            if (code_point(r, mark, v->t == XF_V_INT ? v->u.i : v->u.b, tmp) < 0)
                return -1;
            pad_out(r->out, "", tmp, width > 0 ? (size_t)width : 0, left ? '<' : '>', XF_STR(" "));
            return 0;
        }
        if (v->t == XF_V_STR && xf_tpl_utf8_len(v->u.s) == 1) {
            char *tmp = xf_arena_strndup(r->a, v->u.s.p, v->u.s.len);
            pad_out(r->out, "", tmp, width > 0 ? (size_t)width : 0, left ? '<' : '>', XF_STR(" "));
            return 0;
        }
        return fail(r, mark, "%%c needs a number or a single character", NULL);
    case 'd':
    case 'i':
    case 'u':
    case 'x':
    case 'X':
    case 'o': {
        if (!is_number(v))
            return fail(r, mark, "%%%s format needs a number, not a string",
                        type == 'd' || type == 'i' || type == 'u' ? "d" : "x");
        if (v->t == XF_V_FLOAT && !isfinite(v->u.f))
            return fail(r, mark, "cannot convert float %s to integer",
                        isnan(v->u.f) ? "NaN" : "infinity");
        /* Python truncates the float to an int of any size: past int64 the
         * double's own integer digits are that int (%.0f prints them exactly). */
        if (v->t == XF_V_FLOAT && fabs(v->u.f) >= 9223372036854775808.0) {
            if (type != 'd' && type != 'i' && type != 'u')
                return fail(r, mark, "%%%s format: number too large", type == 'o' ? "o" : "x");
            sign = v->u.f < 0 ? "-" : plus ? "+" : space ? " " : "";
            snprintf(body, sizeof body, "%.0f", fabs(v->u.f));
        } else {
            int64_t i = v->t == XF_V_FLOAT ? xf_f2i(v->u.f) : v->t == XF_V_INT ? v->u.i : v->u.b;
            uint64_t mag = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
            sign = i < 0 ? "-" : plus ? "+" : space ? " " : "";
            int_body(body, sizeof body, mag, type == 'i' || type == 'u' ? 'd' : type, alt);
        }
        if (prec >= 0) {
            size_t bl = strlen(body);
            if ((size_t)prec > bl && (size_t)prec < sizeof body) {
                memmove(body + (size_t)prec - bl, body, bl + 1);
                memset(body, '0', (size_t)prec - bl);
            }
        }
        break;
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
        if (!is_number(v))
            return fail(r, mark, "%%%s format needs a number, not a string", "f");
        double f = as_double(v);
        sign = signbit(f) && !isnan(f) ? "-" : plus ? "+" : space ? " " : "";
        float_body(body, sizeof body, fabs(f), type, prec < 0 ? 6 : prec, alt);
        break;
    }
    default: {
        char t[2] = {type, 0};
        return fail(r, mark, "unsupported format character '%s'", t);
    }
    }
    size_t w = width > 0 ? (size_t)width : 0;
    if (left)
        pad_out(r->out, sign, body, w, '<', XF_STR(" "));
    else if (zero)
        pad_out(r->out, sign, body, w, '=', XF_STR("0"));
    else
        pad_out(r->out, sign, body, w, '>', XF_STR(" "));
    return 0;
}

int xf_tpl_py_percent_format(struct xf_render *r, struct xf_value *out, struct xf_str fmt,
                             const struct xf_value *args)
{
    const struct xf_value *items = args;
    size_t nitems = 1;
    bool mapping = args->t == XF_V_DICT;
    if (args->t == XF_V_LIST && args->u.l->tuple) {
        items = args->u.l->items;
        nitems = args->u.l->n;
    }
    size_t next = 0, mark = r->out->len;
    bool used_mapping = false;
    for (size_t i = 0; i < fmt.len; i++) {
        char c = fmt.p[i];
        if (c != '%') {
            xf_buf_addch(r->out, c);
            continue;
        }
        if (++i >= fmt.len)
            return fail(r, mark, "incomplete format", NULL);
        if (fmt.p[i] == '%') {
            xf_buf_addch(r->out, '%');
            continue;
        }
        const struct xf_value *v = NULL;
        if (fmt.p[i] == '(') {
            size_t s = ++i;
            int depth = 1;
            while (i < fmt.len && depth) {
                if (fmt.p[i] == '(')
                    depth++;
                else if (fmt.p[i] == ')')
                    depth--;
                if (depth)
                    i++;
            }
            if (i >= fmt.len)
                return fail(r, mark, "incomplete format key", NULL);
            if (!mapping)
                return fail(r, mark, "format requires a mapping", NULL);
            struct xf_str key = xf_str_n(fmt.p + s, i - s);
            v = xf_dict_get(args->u.d, key);
            if (!v) {
                char *k = xf_arena_strndup(r->a, key.p, key.len);
                return fail(r, mark, "format key '%s' not found", k);
            }
            used_mapping = true;
            i++;
        }
        char flags[8];
        size_t nf = 0;
        while (i < fmt.len && strchr("-+ #0", fmt.p[i]) && nf < sizeof flags - 1)
            flags[nf++] = fmt.p[i++];
        flags[nf] = 0;
        int width = -1, prec = -1;
        if (i < fmt.len && fmt.p[i] == '*') {
            if (next >= nitems || items[next].t != XF_V_INT)
                return fail(r, mark, "* wants an integer argument", NULL);
            int64_t wi = items[next++].u.i;
            width = wi > (1 << 30) ? (1 << 30) : wi < -(1 << 30) ? -(1 << 30) : (int)wi;
            i++;
        } else {
            while (i < fmt.len && isdigit((unsigned char)fmt.p[i]))
                width = add_digit(width, fmt.p[i++]);
        }
        if (i < fmt.len && fmt.p[i] == '.') {
            i++;
            prec = 0;
            if (i < fmt.len && fmt.p[i] == '*') {
                if (next >= nitems || items[next].t != XF_V_INT)
                    return fail(r, mark, "* wants an integer argument", NULL);
                int64_t pi = items[next++].u.i;
                prec = pi > (1 << 30) ? (1 << 30) : pi < 0 ? 0 : (int)pi;
                i++;
            } else {
                while (i < fmt.len && isdigit((unsigned char)fmt.p[i]))
                    prec = add_digit(prec, fmt.p[i++]);
            }
        }
        while (i < fmt.len && strchr("hlL", fmt.p[i]))
            i++;
        if (i >= fmt.len)
            return fail(r, mark, "incomplete format", NULL);
        if (!v) {
            if (mapping && nitems == 1 && !args->u.d->n) {
                v = args;
            } else if (next >= nitems) {
                return fail(r, mark, "not enough arguments for format string", NULL);
            } else {
                v = &items[next++];
            }
        }
        if (width > 4096 || prec > 4096)
            return fail(r, mark, "format width too large", NULL);
        if (percent_one(r, mark, v, fmt.p[i], flags, width, prec) < 0)
            return -1;
    }
    if (!mapping && !used_mapping && next < nitems && !(nitems == 1 && args->t == XF_V_DICT))
        return fail(r, mark, "not all arguments converted during string formatting", NULL);
    *out = take(r, mark);
    return 0;
}

/* ---- str.format ---- */

struct spec {
    struct xf_str fill;
    char align, sign, type, grouping;
    bool alt, zero;
    int width, prec;
};

static int parse_spec(struct xf_render *r, size_t mark, struct xf_str s, struct spec *sp)
{
    memset(sp, 0, sizeof *sp);
    sp->fill = XF_STR(" ");
    sp->width = -1;
    sp->prec = -1;
    size_t i = 0;
    /* [[fill]align]: the fill may be any (UTF-8) character */
    size_t cl = 1;
    while (cl < s.len && ((unsigned char)s.p[cl] & 0xC0) == 0x80)
        cl++;
    if (s.len > cl && strchr("<>=^", s.p[cl])) {
        sp->fill = xf_str_n(s.p, cl);
        sp->align = s.p[cl];
        i = cl + 1;
    } else if (s.len && strchr("<>=^", s.p[0])) {
        sp->align = s.p[0];
        i = 1;
    }
    if (i < s.len && strchr("+- ", s.p[i]))
        sp->sign = s.p[i++];
    if (i < s.len && s.p[i] == '#') {
        sp->alt = true;
        i++;
    }
    if (i < s.len && s.p[i] == '0') {
        sp->zero = true;
        i++;
    }
    while (i < s.len && isdigit((unsigned char)s.p[i]))
        sp->width = add_digit(sp->width, s.p[i++]);
    if (i < s.len && (s.p[i] == ',' || s.p[i] == '_'))
        sp->grouping = s.p[i++];
    if (i < s.len && s.p[i] == '.') {
        i++;
        sp->prec = 0;
        if (i >= s.len || !isdigit((unsigned char)s.p[i]))
            return fail(r, mark, "format specifier missing precision", NULL);
        while (i < s.len && isdigit((unsigned char)s.p[i]))
            sp->prec = add_digit(sp->prec, s.p[i++]);
    }
    if (i < s.len)
        sp->type = s.p[i++];
    if (i < s.len) {
        char *t = xf_arena_strndup(r->a, s.p, s.len);
        return fail(r, mark, "invalid format specifier '%s'", t);
    }
    if (sp->width > 4096 || sp->prec > 4096)
        return fail(r, mark, "format width too large", NULL);
    return 0;
}

static int format_value(struct xf_render *r, size_t mark, const struct xf_value *v,
                        struct xf_str specs)
{
    struct spec sp;
    if (parse_spec(r, mark, specs, &sp) < 0)
        return -1;
    size_t w = sp.width > 0 ? (size_t)sp.width : 0;
    char body[512];
    const char *sign = "";
    char type = sp.type;
    bool num = is_number(v) && !(v->t == XF_V_BOOL && !type);
    if (!num || (type == 's')) {
        if (type && type != 's')
            return fail(r, mark, "format code '%s' needs a number", (char[2]){type, 0});
        if (xf_tpl_render_reserve_str(r, v) < 0) {
            xf_buf_setlen(r->out, mark);
            return -1;
        }
        size_t m2 = r->out->len;
        xf_value_str(r->out, v);
        struct xf_value s = take(r, m2);
        struct xf_str t = s.u.s;
        if (sp.prec >= 0 && (size_t)sp.prec < xf_tpl_utf8_len(t)) {
            size_t b = 0, c = 0;
            while (b < t.len && c < (size_t)sp.prec) {
                b++;
                while (b < t.len && ((unsigned char)t.p[b] & 0xC0) == 0x80)
                    b++;
                c++;
            }
            t.len = b;
        }
        char *tmp = xf_arena_strndup(r->a, t.p, t.len);
        pad_out(r->out, "", tmp, w, sp.align ? sp.align : '<', sp.fill);
        return 0;
    }
    bool is_int = v->t != XF_V_FLOAT;
    if (is_int && (!type || strchr("dbxXocn", type))) {
        int64_t i = v->t == XF_V_INT ? v->u.i : v->u.b;
        if (type == 'c') {
            char tmp[8];
            if (code_point(r, mark, i, tmp) < 0)
                return -1;
            pad_out(r->out, "", tmp, w, sp.align ? sp.align : '<', sp.fill);
            return 0;
        }
        uint64_t mag = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
        int_body(body, sizeof body, mag, type && type != 'n' ? type : 'd', sp.alt);
        if (sp.grouping && (!type || type == 'd'))
            group_digits(body, sizeof body, sp.grouping);
        sign = i < 0 ? "-" : sp.sign == '+' ? "+" : sp.sign == ' ' ? " " : "";
    } else {
        if (type && !strchr("eEfFgG%n", type))
            return fail(r, mark, "unknown format code '%s' for a float", (char[2]){type, 0});
        double f = as_double(v);
        sign = signbit(f) && !isnan(f) ? "-" : sp.sign == '+' ? "+" : sp.sign == ' ' ? " " : "";
        f = fabs(f);
        if (type == '%') {
            float_body(body, sizeof body - 1, f * 100, 'f', sp.prec < 0 ? 6 : sp.prec, sp.alt);
            strcat(body, "%");
        } else if (!type || type == 'n') {
            if (sp.prec < 0) {
                struct xf_buf b = XF_BUF_INIT;
                struct xf_value fv = xf_v_float(f);
                xf_value_repr(&b, &fv);
                snprintf(body, sizeof body, "%s", b.ptr);
                xf_buf_release(&b);
            } else {
                float_body(body, sizeof body, f, 'g', sp.prec ? sp.prec : 1, sp.alt);
            }
        } else {
            float_body(body, sizeof body, f, type, sp.prec < 0 ? 6 : sp.prec, sp.alt);
        }
        if (sp.grouping)
            group_digits(body, sizeof body, sp.grouping);
    }
    char align = sp.align ? sp.align : '>';
    struct xf_str fill = sp.fill;
    if (sp.zero && !sp.align) {
        align = '=';
        fill = XF_STR("0");
    }
    pad_out(r->out, sign, body, w, align, fill);
    return 0;
}

/* Resolves a field name ("0", "name", "0.attr", "x[key]") to a value. */
static int field_value(struct xf_render *r, size_t mark, struct xf_str name, size_t *auto_idx,
                       const struct xf_args *args, struct xf_value *out)
{
    size_t i = 0;
    while (i < name.len && name.p[i] != '.' && name.p[i] != '[')
        i++;
    struct xf_str head = xf_str_n(name.p, i);
    if (!head.len) {
        if (*auto_idx >= args->npos)
            return fail(r, mark, "replacement index %s out of range for the arguments",
                        xf_arena_printf(r->a, "%zu", *auto_idx));
        *out = args->pos[(*auto_idx)++];
    } else if (isdigit((unsigned char)head.p[0])) {
        size_t idx = (size_t)strtoul(xf_arena_strndup(r->a, head.p, head.len), NULL, 10);
        if (idx >= args->npos)
            return fail(r, mark, "replacement index %s out of range for the arguments",
                        xf_arena_printf(r->a, "%zu", idx));
        *out = args->pos[idx];
    } else {
        const struct xf_value *v = NULL;
        for (size_t k = 0; k < args->nkw; k++) {
            if (xf_str_eq(args->kwnames[k], head))
                v = &args->kwvals[k];
        }
        if (!v)
            return fail(r, mark, "format key '%s' not found", xf_arena_strdups(r->a, head));
        *out = *v;
    }
    while (i < name.len) {
        if (name.p[i] == '.') {
            size_t s = ++i;
            while (i < name.len && name.p[i] != '.' && name.p[i] != '[')
                i++;
            if (xf_tpl_get_attr(r, out, out, xf_str_n(name.p + s, i - s)) < 0)
                return -1;
        } else {
            size_t s = ++i;
            while (i < name.len && name.p[i] != ']')
                i++;
            struct xf_str k = xf_str_n(name.p + s, i - s);
            bool digits = k.len > 0;
            for (size_t j = 0; j < k.len; j++)
                digits &= isdigit((unsigned char)k.p[j]) != 0;
            struct xf_value key =
                digits ? xf_v_int(strtoll(xf_arena_strdups(r->a, k), NULL, 10)) : xf_v_str(k);
            if (xf_tpl_get_item(r, out, out, &key) < 0)
                return -1;
            i++;
        }
    }
    return 0;
}

int xf_tpl_py_str_format(struct xf_render *r, struct xf_value *out, struct xf_str fmt,
                         const struct xf_args *args)
{
    size_t mark = r->out->len, auto_idx = 0;
    for (size_t i = 0; i < fmt.len; i++) {
        char c = fmt.p[i];
        if (c == '}') {
            if (i + 1 < fmt.len && fmt.p[i + 1] == '}') {
                xf_buf_addch(r->out, '}');
                i++;
                continue;
            }
            return fail(r, mark, "single '}' encountered in format string", NULL);
        }
        if (c != '{') {
            xf_buf_addch(r->out, c);
            continue;
        }
        if (i + 1 < fmt.len && fmt.p[i + 1] == '{') {
            xf_buf_addch(r->out, '{');
            i++;
            continue;
        }
        size_t s = ++i;
        int depth = 1;
        while (i < fmt.len) {
            if (fmt.p[i] == '{')
                depth++;
            else if (fmt.p[i] == '}' && --depth == 0)
                break;
            i++;
        }
        if (i >= fmt.len)
            return fail(r, mark, "single '{' encountered in format string", NULL);
        struct xf_str field = xf_str_n(fmt.p + s, i - s);
        struct xf_str name = field, conv = {0}, specs = {0};
        for (size_t k = 0; k < field.len; k++) {
            if (field.p[k] == '!' || field.p[k] == ':') {
                name.len = k;
                struct xf_str rest = xf_str_n(field.p + k, field.len - k);
                if (rest.p[0] == '!') {
                    conv = xf_str_n(rest.p + 1, rest.len > 1 ? 1 : 0);
                    rest = xf_str_n(rest.p + 1 + conv.len, rest.len - 1 - conv.len);
                }
                if (rest.len && rest.p[0] == ':')
                    specs = xf_str_n(rest.p + 1, rest.len - 1);
                break;
            }
        }
        struct xf_value v;
        if (field_value(r, mark, name, &auto_idx, args, &v) < 0)
            return -1;
        if (conv.len) {
            if (xf_tpl_render_reserve_str(r, &v) < 0) {
                xf_buf_setlen(r->out, mark);
                return -1;
            }
            size_t m2 = r->out->len;
            if (conv.p[0] == 'r' || conv.p[0] == 'a')
                xf_value_repr(r->out, &v);
            else
                xf_value_str(r->out, &v);
            v = take(r, m2);
        }
        if (memchr(specs.p ? specs.p : "", '{', specs.len)) {
            /* nested replacement fields in the spec */
            struct xf_value inner;
            if (xf_tpl_py_str_format(r, &inner, specs, args) < 0) {
                xf_buf_setlen(r->out, mark);
                return -1;
            }
            specs = inner.u.s;
        }
        if (format_value(r, mark, &v, specs) < 0)
            return -1;
    }
    *out = take(r, mark);
    return 0;
}
