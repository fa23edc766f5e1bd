// SPDX-License-Identifier: MIT
/*
 * RFC 4180 CSV for seeds, in one pass over the file: cells point into the
 * source text unless a doubled quote forces a copy, and each column's type
 * is narrowed as values go by (integer, real, boolean, date, timestamp,
 * text), so a 100k-row seed costs little more than reading it.
 */
#include "parser/csv.h"

#include <stdint.h>
#include <string.h>

#include "util/vec.h"

enum {
    T_INT = 1 << 0,
    T_REAL = 1 << 1,
    T_BOOL = 1 << 2,
    T_DATE = 1 << 3,
    T_TS = 1 << 4,
    T_ALL = T_INT | T_REAL | T_BOOL | T_DATE | T_TS,
};

const char *xf_coltype_name(enum xf_coltype t)
{
    switch (t) {
    case XF_COL_INTEGER:
        return "integer";
    case XF_COL_REAL:
        return "real";
    case XF_COL_BOOLEAN:
        return "boolean";
    case XF_COL_DATE:
        return "date";
    case XF_COL_TIMESTAMP:
        return "timestamp";
    default:
        return "text";
    }
}

static bool isdig(char c)
{
    return c >= '0' && c <= '9';
}

static bool ndigits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdig(p[i]))
            return false;
    return true;
}

static int num2(const char *p)
{
    return (p[0] - '0') * 10 + (p[1] - '0');
}

/* YYYY-MM-DD with a real month and day (leap years checked). */
static bool is_date(const char *p, size_t n)
{
    if (n != 10 || p[4] != '-' || p[7] != '-' || !ndigits(p, 4) || !ndigits(p + 5, 2) ||
        !ndigits(p + 8, 2))
        return false;
    int y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + num2(p + 2);
    int m = num2(p + 5), d = num2(p + 8);
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return false;
    return true;
}

/* YYYY-MM-DD[ T]HH:MM:SS[.fff][Z|+hh:mm|-hh:mm|+hhmm] */
static bool is_timestamp(const char *p, size_t n)
{
    if (n < 19 || !is_date(p, 10) || (p[10] != ' ' && p[10] != 'T'))
        return false;
    const char *t = p + 11;
    if (!ndigits(t, 2) || t[2] != ':' || !ndigits(t + 3, 2) || t[5] != ':' || !ndigits(t + 6, 2))
        return false;
    if (num2(t) > 23 || num2(t + 3) > 59 || num2(t + 6) > 60)
        return false;
    size_t i = 19;
    if (i < n && p[i] == '.') {
        size_t s = ++i;
        while (i < n && isdig(p[i]))
            i++;
        if (i == s)
            return false;
    }
    if (i == n)
        return true;
    if (p[i] == 'Z' || p[i] == 'z')
        return i + 1 == n;
    if (p[i] != '+' && p[i] != '-')
        return false;
    i++;
    size_t rest = n - i;
    if (rest == 2)
        return ndigits(p + i, 2);
    if (rest == 4)
        return ndigits(p + i, 4);
    return rest == 5 && ndigits(p + i, 2) && p[i + 2] == ':' && ndigits(p + i + 3, 2);
}

/* [-+]?digits, fitting in 64 bits */
static bool is_int(const char *p, size_t n)
{
    size_t i = 0;
    if (n && (p[0] == '-' || p[0] == '+'))
        i = 1;
    if (i == n || n - i > 19)
        return false;
    if (!ndigits(p + i, n - i))
        return false;
    if (n - i == 19) {
        /* 9223372036854775807 is the largest; compare as text */
        return memcmp(p + i, p[0] == '-' ? "9223372036854775808" : "9223372036854775807", 19) <= 0;
    }
    return true;
}

/* [-+]?(d+(.d*)?|.d+)([eE][-+]?d+)? */
static bool is_real(const char *p, size_t n)
{
    size_t i = 0, d = 0;
    if (n && (p[0] == '-' || p[0] == '+'))
        i = 1;
    while (i < n && isdig(p[i]))
        i++, d++;
    if (i < n && p[i] == '.') {
        i++;
        while (i < n && isdig(p[i]))
            i++, d++;
    }
    if (!d)
        return false;
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '-' || p[i] == '+'))
            i++;
        size_t e = i;
        while (i < n && isdig(p[i]))
            i++;
        if (i == e)
            return false;
    }
    return i == n;
}

static bool ieq(const char *p, size_t n, const char *w)
{
    size_t wl = strlen(w);
    if (n != wl)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((p[i] | 0x20) != w[i])
            return false;
    return true;
}

/* Which types a non-NULL value admits (a subset of `mask` worth testing). */
static unsigned classify(const char *p, size_t n, unsigned mask)
{
    unsigned r = 0;
    if (!n)
        return 0;
    char c = p[0];
    if ((mask & (T_INT | T_REAL)) && (isdig(c) || c == '-' || c == '+' || c == '.')) {
        if ((mask & T_INT) && is_int(p, n))
            r |= T_INT | T_REAL;
        else if ((mask & T_REAL) && is_real(p, n))
            r |= T_REAL;
    }
    if ((mask & T_BOOL) && (c == 't' || c == 'T' || c == 'f' || c == 'F') &&
        (ieq(p, n, "true") || ieq(p, n, "false")))
        r |= T_BOOL;
    if ((mask & (T_DATE | T_TS)) && isdig(c) && n >= 10) {
        if (n == 10 && is_date(p, n))
            r |= T_DATE | T_TS;
        else if ((mask & T_TS) && is_timestamp(p, n))
            r |= T_TS;
    }
    return r;
}

static enum xf_coltype pick(unsigned mask, bool any)
{
    if (!any)
        return XF_COL_TEXT;
    if (mask & T_INT)
        return XF_COL_INTEGER;
    if (mask & T_REAL)
        return XF_COL_REAL;
    if (mask & T_BOOL)
        return XF_COL_BOOLEAN;
    if (mask & T_DATE)
        return XF_COL_DATE;
    if (mask & T_TS)
        return XF_COL_TIMESTAMP;
    return XF_COL_TEXT;
}

struct scan {
    const char *t;
    size_t len, pos;
    char delim;
    struct xf_arena *a;
};

/*
 * Reads one field at s->pos. Returns 1 when the field ended the row
 * (newline or end of input), 0 when a delimiter follows, -1 on an
 * unterminated quote (*bad = where it opened) or text after a closing
 * quote (*bad = that character).
 */
static int field(struct scan *s, struct xf_str *out, size_t *bad)
{
    const char *t = s->t;
    size_t i = s->pos, n = s->len;
    if (i < n && t[i] == '"') {
        size_t open = i++;
        size_t start = i;
        bool doubled = false;
        for (;;) {
            const char *q = memchr(t + i, '"', n - i);
            if (!q) {
                *bad = open;
                return -1;
            }
            i = (size_t)(q - t);
            if (i + 1 < n && t[i + 1] == '"') {
                doubled = true;
                i += 2;
                continue;
            }
            break;
        }
        size_t end = i++; /* past the closing quote */
        if (!doubled) {
            out->p = t + start;
            out->len = end - start;
        } else {
            char *c = xf_arena_alloc(s->a, end - start + 1);
            size_t k = 0;
            for (size_t j = start; j < end; j++) {
                c[k++] = t[j];
                if (t[j] == '"')
                    j++;
            }
            c[k] = 0;
            out->p = c;
            out->len = k;
        }
        if (i >= n) {
            s->pos = i;
            return 1;
        }
        if (t[i] == s->delim) {
            s->pos = i + 1;
            return 0;
        }
        if (t[i] == '\n' || (t[i] == '\r' && i + 1 < n && t[i + 1] == '\n') || t[i] == '\r') {
            s->pos = i + (t[i] == '\r' && i + 1 < n && t[i + 1] == '\n' ? 2 : 1);
            return 1;
        }
        *bad = i;
        return -1;
    }
    size_t start = i;
    char d = s->delim;
    while (i < n && t[i] != d && t[i] != '\n' && t[i] != '\r')
        i++;
    size_t end = i;
    out->p = end > start ? t + start : NULL;
    out->len = end - start;
    if (i >= n) {
        s->pos = i;
        return 1;
    }
    if (t[i] == d) {
        s->pos = i + 1;
        return 0;
    }
    s->pos = i + (t[i] == '\r' && i + 1 < n && t[i + 1] == '\n' ? 2 : 1);
    return 1;
}

static struct xf_loc at(const struct xf_source *src, size_t off, size_t len)
{
    return (struct xf_loc){src, off, len};
}

int xf_csv_parse(struct xf_csv *out, struct xf_arena *a, const struct xf_source *src, char delim,
                 struct xf_diags *diags)
{
    memset(out, 0, sizeof *out);
    struct scan s = {src->text, src->len, 0, delim ? delim : ',', a};
    if (s.len >= 3 && !memcmp(s.t, "\xef\xbb\xbf", 3))
        s.pos = 3;
    size_t bad = 0;
    int r;

    /* Skip blank lines before the header. */
    while (s.pos < s.len && (s.t[s.pos] == '\n' || s.t[s.pos] == '\r'))
        s.pos++;
    if (s.pos >= s.len)
        return xf_error(diags, at(src, 0, 0), "the CSV file is empty: a seed needs a header row");

    /* Header */
    XF_VEC(struct xf_str) hdr = {0};
    XF_VEC(size_t) hdr_off = {0};
    do {
        struct xf_str f = {0};
        size_t fo = s.pos;
        r = field(&s, &f, &bad);
        if (r < 0)
            goto syntax;
        xf_avec_push(a, &hdr, f);
        xf_avec_push(a, &hdr_off, fo);
    } while (r == 0);
    for (size_t i = 0; i < hdr.n; i++) {
        struct xf_str h = xf_str_trim(hdr.v[i]);
        if (!h.p || !h.len)
            return xf_error(diags, at(src, hdr_off.v[i], 0), "column %zu of the header has no name",
                            i + 1);
        hdr.v[i] = h;
        for (size_t j = 0; j < i; j++) {
            if (xf_str_eq(hdr.v[j], h)) {
                struct xf_diag *g =
                    xf_diag_add(diags, XF_SEV_ERROR, at(src, hdr_off.v[i], h.len),
                                "duplicate column '" XF_STR_FMT "' in the header", XF_STR_ARG(h));
                xf_diag_hint(g, "column %zu has the same name; rename one of them", j + 1);
                return -1;
            }
        }
    }
    size_t ncols = hdr.n;

    /* Upper bound of the rows: the remaining line breaks, plus one. */
    size_t maxrows = 1;
    for (const char *p = s.t + s.pos, *e = s.t + s.len; (p = memchr(p, '\n', (size_t)(e - p))); p++)
        maxrows++;
    struct xf_str *cells = xf_arena_alloc(a, maxrows * ncols * sizeof *cells);
    size_t *row_off = xf_arena_alloc(a, maxrows * sizeof *row_off);
    unsigned *mask = XF_ANEWN(a, unsigned, ncols);
    bool *any = XF_ANEWN(a, bool, ncols);
    for (size_t c = 0; c < ncols; c++)
        mask[c] = T_ALL;

    size_t nrows = 0;
    while (s.pos < s.len) {
        /* blank line: skipped */
        if (s.t[s.pos] == '\n' || s.t[s.pos] == '\r') {
            s.pos += s.t[s.pos] == '\r' && s.pos + 1 < s.len && s.t[s.pos + 1] == '\n' ? 2 : 1;
            continue;
        }
        if (nrows == maxrows) { /* only with bare-CR line ends */
            cells = xf_arena_grow(a, cells, maxrows * ncols * sizeof *cells,
                                  2 * maxrows * ncols * sizeof *cells);
            row_off =
                xf_arena_grow(a, row_off, maxrows * sizeof *row_off, 2 * maxrows * sizeof *row_off);
            maxrows *= 2;
        }
        size_t row_start = s.pos, c = 0;
        struct xf_str *row = cells + nrows * ncols;
        do {
            struct xf_str f = {0};
            r = field(&s, &f, &bad);
            if (r < 0)
                goto syntax;
            if (c < ncols)
                row[c] = f;
            c++;
        } while (r == 0);
        if (c != ncols) {
            struct xf_diag *g = xf_diag_add(diags, XF_SEV_ERROR, at(src, row_start, 0),
                                            "row %zu has %zu field%s, the header has %zu",
                                            nrows + 1, c, c == 1 ? "" : "s", ncols);
            if (c > ncols)
                xf_diag_hint(g, "quote values that contain '%c'", s.delim);
            else
                xf_diag_hint(g, "leave a field empty (nothing between two '%c') for NULL", s.delim);
            return -1;
        }
        row_off[nrows] = row_start;
        for (c = 0; c < ncols; c++) {
            if (!row[c].p)
                continue;
            any[c] = true;
            if (mask[c])
                mask[c] &= classify(row[c].p, row[c].len, mask[c]);
        }
        nrows++;
    }

    out->ncols = ncols;
    out->nrows = nrows;
    out->header = hdr.v;
    out->cells = cells;
    out->row_offsets = row_off;
    out->types = XF_ANEWN(a, enum xf_coltype, ncols);
    for (size_t c = 0; c < ncols; c++)
        out->types[c] = pick(mask[c], any[c]);
    return 0;

syntax:
    if (s.t[bad] == '"')
        return xf_error(diags, at(src, bad, 1), "unterminated quoted field");
    {
        struct xf_diag *g =
            xf_diag_add(diags, XF_SEV_ERROR, at(src, bad, 1),
                        "unexpected '%c' after the closing quote of a field", s.t[bad]);
        xf_diag_hint(g, "write a quote inside a quoted field as two quotes (\"\")");
    }
    return -1;
}
