// SPDX-License-Identifier: MIT
/*
 * The Jinja lexer: one pass over the template text producing data tokens
 * (with whitespace control already applied), tag delimiters and the
 * tokens of expressions. Comments and {% raw %} blocks are resolved here.
 * Like Jinja, line endings in data are normalised to "\n"; unlike Jinja's
 * default (and like keep_trailing_newline=True) the final newline is kept,
 * so rendered SQL matches its file.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "templating/internal.h"

struct lx {
    struct toks *out;
    struct xf_arena *a;
    const struct xf_source *src;
    const char *t; /* src->text */
    size_t end;
    struct xf_diags *diags;
};

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int lerr(struct lx *L, size_t off, size_t len, const char *fmt, const char *arg)
{
    return xf_error(L->diags, (struct xf_loc){L->src, off, len}, fmt, arg);
}

static struct tok *push(struct lx *L, uint8_t kind, size_t off, size_t len)
{
    struct tok t = {.kind = kind, .off = (uint32_t)off, .len = (uint32_t)len};
    xf_vec_push(L->out, t); /* malloc'd: freed after parsing, not kept in the arena */
    return &L->out->v[L->out->n - 1];
}

/* Data text [s, e): newlines normalised, emitted when not empty. */
static void push_data(struct lx *L, size_t s, size_t e)
{
    if (e <= s)
        return;
    struct tok *t = push(L, TK_DATA, s, e - s);
    const char *p = L->t + s;
    size_t n = e - s;
    if (!memchr(p, '\r', n)) {
        t->s = xf_str_n(p, n);
        return;
    }
    char *d = xf_arena_alloc(L->a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\r') {
            d[k++] = '\n';
            if (i + 1 < n && p[i + 1] == '\n')
                i++;
        } else {
            d[k++] = p[i];
        }
    }
    d[k] = 0;
    t->s = xf_str_n(d, k);
}

/* Position of the next "{{", "{%" or "{#" at or after p, or end. */
static size_t next_tag(struct lx *L, size_t p)
{
    while (p + 1 < L->end) {
        const char *q = memchr(L->t + p, '{', L->end - p - 1);
        if (!q)
            return L->end;
        p = (size_t)(q - L->t);
        char c = L->t[p + 1];
        if (c == '{' || c == '%' || c == '#')
            return p;
        p++;
    }
    return L->end;
}

static bool word_at(struct lx *L, size_t p, const char *w)
{
    size_t n = strlen(w);
    if (p + n > L->end || memcmp(L->t + p, w, n) != 0)
        return false;
    return p + n == L->end || !(isalnum((unsigned char)L->t[p + n]) || L->t[p + n] == '_');
}

/*
 * If a "{% name %}" tag (with optional whitespace control) starts at p,
 * returns true with *after just past it, *strip_before / *strip_after set.
 */
static bool simple_tag(struct lx *L, size_t p, const char *name, size_t *after, bool *strip_before,
                       bool *strip_after)
{
    if (p + 2 > L->end || L->t[p] != '{' || L->t[p + 1] != '%')
        return false;
    size_t q = p + 2;
    *strip_before = false;
    if (q < L->end && (L->t[q] == '-' || L->t[q] == '+')) {
        *strip_before = L->t[q] == '-';
        q++;
    }
    while (q < L->end && is_ws(L->t[q]))
        q++;
    if (!word_at(L, q, name))
        return false;
    q += strlen(name);
    while (q < L->end && is_ws(L->t[q]))
        q++;
    *strip_after = false;
    if (q < L->end && (L->t[q] == '-' || L->t[q] == '+')) {
        *strip_after = L->t[q] == '-';
        q++;
    }
    if (q + 2 > L->end || L->t[q] != '%' || L->t[q + 1] != '}')
        return false;
    *after = q + 2;
    return true;
}

static uint32_t hexval(const char *p, int n, bool *ok)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            *ok = false;
    }
    return v;
}

static size_t put_utf8(char *d, uint32_t c)
{
    if (c < 0x80) {
        d[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        d[0] = (char)(0xC0 | (c >> 6));
        d[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        d[0] = (char)(0xE0 | (c >> 12));
        d[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        d[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | (c >> 18));
    d[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    d[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    d[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* Python string escapes; unknown escapes keep their backslash. */
static struct xf_str unescape(struct lx *L, const char *p, size_t n)
{
    if (!memchr(p, '\\', n) && !memchr(p, '\r', n))
        return xf_str_n(p, n);
    char *d = xf_arena_alloc(L->a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '\r') {
            d[k++] = '\n';
            if (i + 1 < n && p[i + 1] == '\n')
                i++;
            continue;
        }
        if (c != '\\' || i + 1 >= n) {
            d[k++] = c;
            continue;
        }
        char e = p[++i];
        bool ok = true;
        switch (e) {
        case 'n':
            d[k++] = '\n';
            break;
        case 't':
            d[k++] = '\t';
            break;
        case 'r':
            d[k++] = '\r';
            break;
        case '\\':
            d[k++] = '\\';
            break;
        case '\'':
            d[k++] = '\'';
            break;
        case '"':
            d[k++] = '"';
            break;
        case 'a':
            d[k++] = '\a';
            break;
        case 'b':
            d[k++] = '\b';
            break;
        case 'f':
            d[k++] = '\f';
            break;
        case 'v':
            d[k++] = '\v';
            break;
        case '\n':
            break; /* line continuation */
        case 'x':
        case 'u':
        case 'U': {
            size_t w = e == 'x' ? 2 : e == 'u' ? 4 : 8;
            uint32_t v = 0;
            if (i + w < n)
                v = hexval(p + i + 1, (int)w, &ok);
            else
                ok = false;
            if (ok && v <= 0x10FFFF) {
                k += put_utf8(d + k, v);
                i += w;
            } else {
                d[k++] = '\\';
                d[k++] = e;
            }
            break;
        }
        default:
            if (e >= '0' && e <= '7') {
                uint32_t v = 0;
                int m = 0;
                while (m < 3 && i < n && p[i] >= '0' && p[i] <= '7') {
                    v = v * 8 + (uint32_t)(p[i] - '0');
                    i++;
                    m++;
                }
                i--;
                k += put_utf8(d + k, v);
            } else {
                d[k++] = '\\';
                d[k++] = e;
            }
        }
    }
    d[k] = 0;
    return xf_str_n(d, k);
}

static int lex_number(struct lx *L, size_t *pp)
{
    size_t p = *pp, s = p;
    const char *t = L->t;
    if (t[p] == '0' && p + 1 < L->end && strchr("xXoObB", t[p + 1])) {
        int base = (t[p + 1] == 'x' || t[p + 1] == 'X')   ? 16
                   : (t[p + 1] == 'o' || t[p + 1] == 'O') ? 8
                                                          : 2;
        p += 2;
        char buf[80];
        size_t k = 0;
        while (p < L->end && (isxdigit((unsigned char)t[p]) || t[p] == '_')) {
            if (t[p] != '_' && k < sizeof buf - 1)
                buf[k++] = t[p];
            p++;
        }
        buf[k] = 0;
        struct tok *tk = push(L, TK_INT, s, p - s);
        tk->v.i = (int64_t)strtoull(buf, NULL, base);
        *pp = p;
        return 0;
    }
    bool is_float = false;
    while (p < L->end && (isdigit((unsigned char)t[p]) ||
                          (t[p] == '_' && p + 1 < L->end && isdigit((unsigned char)t[p + 1]))))
        p++;
    if (p + 1 < L->end && t[p] == '.' && isdigit((unsigned char)t[p + 1])) {
        is_float = true;
        p++;
        while (p < L->end && (isdigit((unsigned char)t[p]) ||
                              (t[p] == '_' && p + 1 < L->end && isdigit((unsigned char)t[p + 1]))))
            p++;
    }
    if (p < L->end && (t[p] == 'e' || t[p] == 'E')) {
        size_t q = p + 1;
        if (q < L->end && (t[q] == '+' || t[q] == '-'))
            q++;
        if (q < L->end && isdigit((unsigned char)t[q])) {
            is_float = true;
            p = q;
            while (p < L->end && isdigit((unsigned char)t[p]))
                p++;
        }
    }
    char buf[128];
    size_t k = 0;
    for (size_t i = s; i < p && k < sizeof buf - 1; i++) {
        if (t[i] != '_')
            buf[k++] = t[i];
    }
    buf[k] = 0;
    if (!is_float) {
        errno = 0;
        long long v = strtoll(buf, NULL, 10);
        if (errno != ERANGE) {
            struct tok *tk = push(L, TK_INT, s, p - s);
            tk->v.i = v;
            *pp = p;
            return 0;
        }
    }
    struct tok *tk = push(L, TK_FLOAT, s, p - s);
    tk->v.f = strtod(buf, NULL);
    *pp = p;
    return 0;
}

/*
 * Expression tokens of one tag, from *pp to its closing delimiter (found
 * only when brackets balance, as Jinja does). Sets *strip_after for "-%}".
 */
static int lex_tag(struct lx *L, size_t *pp, bool block, size_t begin, size_t begin_len,
                   bool *strip_after)
{
    size_t p = *pp;
    const char *t = L->t;
    char stack[64]; /* open brackets; deeper nesting is counted only */
    int depth = 0;
    for (;;) {
        while (p < L->end && is_ws(t[p]))
            p++;
        if (p >= L->end) {
            return lerr(L, begin, begin_len,
                        block ? "unclosed '%s': expected '%%}'" : "unclosed '%s': expected '}}'",
                        block ? "{%" : "{{");
        }
        /*
         * The closing delimiter: "%}" always ends a block tag (it cannot be
         * part of an expression); "}}" ends an output tag unless it closes
         * an open '{' (as in {{ {'a': {'b': 1}} }}).
         */
        char c1 = t[p], c2 = p + 1 < L->end ? t[p + 1] : 0, c3 = p + 2 < L->end ? t[p + 2] : 0;
        const char *close = block ? "%}" : "}}";
        bool inner_brace = depth > 0 && (depth > (int)sizeof stack || stack[depth - 1] == '{');
        if (block || !inner_brace) {
            if ((c1 == '-' || (block && c1 == '+')) && c2 == close[0] && c3 == close[1]) {
                push(L, block ? TK_BLOCK_END : TK_VAR_END, p, 3);
                *strip_after = c1 == '-';
                *pp = p + 3;
                return 0;
            }
            if (c1 == close[0] && c2 == close[1]) {
                push(L, block ? TK_BLOCK_END : TK_VAR_END, p, 2);
                *strip_after = false;
                *pp = p + 2;
                return 0;
            }
        }
        char c = t[p];
        if (isalpha((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80) {
            size_t s = p;
            while (p < L->end &&
                   (isalnum((unsigned char)t[p]) || t[p] == '_' || (unsigned char)t[p] >= 0x80))
                p++;
            struct tok *tk = push(L, TK_NAME, s, p - s);
            tk->s = xf_str_n(t + s, p - s);
            continue;
        }
        if (isdigit((unsigned char)c)) {
            lex_number(L, &p);
            continue;
        }
        if (c == '\'' || c == '"') {
            size_t s = p++;
            while (p < L->end && t[p] != c) {
                if (t[p] == '\\')
                    p++;
                p++;
            }
            if (p >= L->end) {
                size_t e = s;
                while (e < L->end && t[e] != '\n')
                    e++;
                return lerr(L, s, e - s, "unterminated string literal%s", "");
            }
            p++;
            struct tok *tk = push(L, TK_STRING, s, p - s);
            tk->s = unescape(L, t + s + 1, p - s - 2);
            continue;
        }
        static const char two[][3] = {"//", "**", "==", "!=", "<=", ">="};
        static const char two_code[] = {OP_FLOORDIV, OP_POW, OP_EQ, OP_NE, OP_LE, OP_GE};
        bool done = false;
        for (size_t i = 0; i < sizeof two_code; i++) {
            if (c == two[i][0] && p + 1 < L->end && t[p + 1] == two[i][1]) {
                push(L, TK_OP, p, 2)->op = two_code[i];
                p += 2;
                done = true;
                break;
            }
        }
        if (done)
            continue;
        if (strchr("+-*/%~()[]{}<>=.:|,;", c) && c) {
            if (c == '(' || c == '[' || c == '{') {
                if (depth < (int)sizeof stack)
                    stack[depth] = c;
                depth++;
            } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
                depth--;
            }
            push(L, TK_OP, p, 1)->op = c;
            p++;
            continue;
        }
        char ch[2] = {c, 0};
        return lerr(L, p, 1, "unexpected character '%s'", ch);
    }
}

int xf_tpl_lex_template(struct toks *out, struct xf_arena *a, const struct xf_source *src,
                        size_t off, size_t len, struct xf_diags *diags)
{
    struct lx L = {
        .out = out, .a = a, .src = src, .t = src->text, .end = off + len, .diags = diags};
    size_t p = off;
    bool lstrip = false;
    while (p < L.end) {
        size_t q = next_tag(&L, p);
        size_t ds = p, de = q;
        if (lstrip) {
            while (ds < de && is_ws(L.t[ds]))
                ds++;
        }
        lstrip = false;
        if (q < L.end && q + 2 < L.end && L.t[q + 2] == '-') {
            while (de > ds && is_ws(L.t[de - 1]))
                de--;
        }
        if (q >= L.end) {
            push_data(&L, ds, de);
            break;
        }
        char kind = L.t[q + 1];
        if (kind == '#') {
            push_data(&L, ds, de);
            const char *e = NULL;
            for (size_t s = q + 2; s + 1 < L.end; s++) {
                if (L.t[s] == '#' && L.t[s + 1] == '}') {
                    e = L.t + s;
                    break;
                }
            }
            if (!e)
                return lerr(&L, q, 2, "unclosed comment: expected '#}'%s", "");
            size_t ce = (size_t)(e - L.t);
            lstrip = ce > q + 2 && L.t[ce - 1] == '-';
            p = ce + 2;
            continue;
        }
        size_t after;
        bool sb, sa;
        if (kind == '%' && simple_tag(&L, q, "raw", &after, &sb, &sa)) {
            push_data(&L, ds, de);
            size_t s = after, e = after;
            bool found = false, esb = false, esa = false;
            size_t eafter = 0;
            while (e + 1 < L.end) {
                const char *m = memchr(L.t + e, '{', L.end - e);
                if (!m)
                    break;
                e = (size_t)(m - L.t);
                if (simple_tag(&L, e, "endraw", &eafter, &esb, &esa)) {
                    found = true;
                    break;
                }
                e++;
            }
            if (!found)
                return lerr(&L, q, after - q, "unclosed 'raw' block: expected 'endraw'%s", "");
            size_t rs = s, re = e;
            if (sa) {
                while (rs < re && is_ws(L.t[rs]))
                    rs++;
            }
            if (esb) {
                while (re > rs && is_ws(L.t[re - 1]))
                    re--;
            }
            push_data(&L, rs, re);
            lstrip = esa;
            p = eafter;
            continue;
        }
        push_data(&L, ds, de);
        bool block = kind == '%';
        size_t blen = 2;
        if (q + 2 < L.end && (L.t[q + 2] == '-' || (block && L.t[q + 2] == '+')))
            blen = 3;
        push(&L, block ? TK_BLOCK_BEGIN : TK_VAR_BEGIN, q, blen);
        p = q + blen;
        if (lex_tag(&L, &p, block, q, blen, &lstrip) < 0)
            return -1;
    }
    push(&L, TK_EOF, L.end, 0);
    return 0;
}

const char *xf_tpl_tok_desc(struct xf_arena *a, const struct xf_source *src, const struct tok *t)
{
    switch (t->kind) {
    case TK_EOF:
        return "end of template";
    case TK_DATA:
        return "template text";
    case TK_STRING:
        return "string literal";
    default:
        return xf_arena_printf(a, "'%.*s'", (int)t->len, src->text + t->off);
    }
}
