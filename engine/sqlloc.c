// SPDX-License-Identifier: MIT
/*
 * A database error back to the model's source. The adapters end a located
 * error with the failing SQL line and a caret (" 3 | ...", "   |    ^");
 * here that line is found in the model's file: as it is (a line without
 * Jinja: file:line:col), or through the compiled code, between the nearest
 * lines that are the same in both with as many lines between them on each
 * side (a line whose Jinja rendered on one line: file:line). Nothing is
 * claimed when neither holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"

struct lines {
    const char **p;
    size_t *len;
    size_t n;
};

static void split(struct xf_arena *a, const char *text, struct lines *out)
{
    size_t n = 1;
    for (const char *t = text; *t; t++)
        n += *t == '\n';
    out->p = xf_arena_alloc(a, n * sizeof *out->p);
    out->len = xf_arena_alloc(a, n * sizeof *out->len);
    out->n = 0;
    for (const char *t = text;;) {
        const char *e = strchr(t, '\n');
        size_t l = e ? (size_t)(e - t) : strlen(t);
        if (l && t[l - 1] == '\r')
            l--;
        out->p[out->n] = t;
        out->len[out->n++] = l;
        if (!e)
            break;
        t = e + 1;
    }
}

static bool blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t')
            return false;
    return true;
}

/* The index of the one line of `in` equal to (p, n), or -1 (none, or several). */
static long unique_line(const struct lines *in, const char *p, size_t n)
{
    long at = -1;
    for (size_t i = 0; i < in->n; i++) {
        if (in->len[i] == n && !memcmp(in->p[i], p, n)) {
            if (at >= 0)
                return -1;
            at = (long)i;
        }
    }
    return at;
}

/* The excerpt line " N | text" and the column from "(line L, column C)", or false. */
static bool parse_excerpt(const char *msg, const char **text, size_t *len, long *col)
{
    const char *lc = strstr(msg, ", column ");
    if (!lc)
        return false;
    *col = strtol(lc + 9, NULL, 10);
    for (const char *nl = strchr(msg, '\n'); nl; nl = strchr(nl + 1, '\n')) {
        const char *q = nl + 1;
        while (*q == ' ')
            q++;
        const char *d = q;
        while (*q >= '0' && *q <= '9')
            q++;
        if (q > d && !strncmp(q, " | ", 3)) {
            *text = q + 3;
            const char *e = strchr(*text, '\n');
            *len = e ? (size_t)(e - *text) : strlen(*text);
            return true;
        }
    }
    return false;
}

const char *xf_sqlloc_source(struct xf_arena *a, const struct xf_node *n, const char *compiled,
                             const char *msg)
{
    const char *text;
    size_t len;
    long col;
    if (!msg || !n->src || !n->src->text || !n->original_file_path ||
        !parse_excerpt(msg, &text, &len, &col) || blank(text, len))
        return msg;
    struct lines src;
    split(a, n->src->text, &src);
    long s = unique_line(&src, text, len);
    if (s >= 0)
        return xf_arena_printf(a, "%s\n at %s:%ld:%ld in the model's source", msg,
                               n->original_file_path, s + 1, col);
    if (!compiled)
        return msg;
    struct lines cc;
    split(a, compiled, &cc);
    long c = unique_line(&cc, text, len);
    if (c < 0)
        return msg;
    /* anchors: the nearest same lines above and below (the file's ends count) */
    long ca = -1, sa = -1, cb = (long)cc.n, sb = (long)src.n;
    for (long k = c - 1; k >= 0; k--) {
        long m = blank(cc.p[k], cc.len[k]) ? -1 : unique_line(&src, cc.p[k], cc.len[k]);
        if (m >= 0) {
            ca = k, sa = m;
            break;
        }
    }
    for (long k = c + 1; k < (long)cc.n; k++) {
        long m = blank(cc.p[k], cc.len[k]) ? -1 : unique_line(&src, cc.p[k], cc.len[k]);
        if (m >= 0) {
            cb = k, sb = m;
            break;
        }
    }
    if (cb - ca != sb - sa || sa + (c - ca) < 0 || sa + (c - ca) >= (long)src.n)
        return msg;
    long line = sa + (c - ca) + 1;
    return xf_arena_printf(a, "%s\n at %s:%ld in the model's source (rendered from Jinja there)",
                           msg, n->original_file_path, line);
}
