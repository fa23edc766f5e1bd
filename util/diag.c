// SPDX-License-Identifier: MIT
/*
 * Collecting and printing located diagnostics. The one printing routine,
 * xf_diag_format(), turns a byte offset into line:col and draws the source
 * line with a caret underline under the span.
 */
#include "util/diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void xf_diags_init(struct xf_diags *d)
{
    d->head = d->tail = NULL;
    d->nerrors = d->nwarnings = 0;
    pthread_mutex_init(&d->lock, NULL);
}

static void free_diag(struct xf_diag *g)
{
    free(g->msg);
    free(g->hint);
    for (size_t i = 0; i < g->nframes; i++)
        free(g->frames[i].what);
    free(g->frames);
    free(g);
}

void xf_diags_release(struct xf_diags *d)
{
    struct xf_diag *g = d->head;
    while (g) {
        struct xf_diag *next = g->next;
        free_diag(g);
        g = next;
    }
    d->head = d->tail = NULL;
    d->nerrors = d->nwarnings = 0;
    pthread_mutex_destroy(&d->lock);
}

static char *vfmt(const char *fmt, va_list ap)
{
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_vaddf(&b, fmt, ap);
    return xf_buf_detach(&b, NULL);
}

static void append(struct xf_diags *d, struct xf_diag *g)
{
    pthread_mutex_lock(&d->lock);
    if (d->tail)
        d->tail->next = g;
    else
        d->head = g;
    d->tail = g;
    if (g->sev == XF_SEV_ERROR)
        d->nerrors++;
    else if (g->sev == XF_SEV_WARNING)
        d->nwarnings++;
    pthread_mutex_unlock(&d->lock);
}

struct xf_diag *xf_diag_vadd(struct xf_diags *d, enum xf_severity sev, struct xf_loc loc,
                             const char *fmt, va_list ap)
{
    struct xf_diag *g = xf_calloc(1, sizeof *g);
    g->sev = sev;
    g->loc = loc;
    g->msg = vfmt(fmt, ap);
    append(d, g);
    return g;
}

struct xf_diag *xf_diag_add(struct xf_diags *d, enum xf_severity sev, struct xf_loc loc,
                            const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct xf_diag *g = xf_diag_vadd(d, sev, loc, fmt, ap);
    va_end(ap);
    return g;
}

int xf_error(struct xf_diags *d, struct xf_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    xf_diag_vadd(d, XF_SEV_ERROR, loc, fmt, ap);
    va_end(ap);
    return -1;
}

void xf_diag_hint(struct xf_diag *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(g->hint);
    g->hint = vfmt(fmt, ap);
    va_end(ap);
}

void xf_diag_frame(struct xf_diag *g, struct xf_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g->frames = xf_realloc(g->frames, (g->nframes + 1) * sizeof *g->frames);
    g->frames[g->nframes].loc = loc;
    g->frames[g->nframes].what = vfmt(fmt, ap);
    g->nframes++;
    va_end(ap);
}

void xf_diags_move(struct xf_diags *to, struct xf_diags *from)
{
    pthread_mutex_lock(&from->lock);
    struct xf_diag *g = from->head;
    from->head = from->tail = NULL;
    from->nerrors = from->nwarnings = 0;
    pthread_mutex_unlock(&from->lock);
    while (g) {
        struct xf_diag *next = g->next;
        g->next = NULL;
        append(to, g);
        g = next;
    }
}

void xf_loc_linecol(const struct xf_source *src, size_t off, unsigned *line, unsigned *col)
{
    unsigned l = 1;
    size_t start = 0;
    if (off > src->len)
        off = src->len;
    for (size_t i = 0; i < off; i++) {
        if (src->text[i] == '\n') {
            l++;
            start = i + 1;
        }
    }
    *line = l;
    *col = (unsigned)(off - start) + 1;
}

static const char *sev_name(enum xf_severity s)
{
    switch (s) {
    case XF_SEV_ERROR:
        return "error";
    case XF_SEV_WARNING:
        return "warning";
    default:
        return "note";
    }
}

static void add_where(struct xf_buf *out, struct xf_loc loc)
{
    unsigned line, col;
    xf_loc_linecol(loc.src, loc.off, &line, &col);
    xf_buf_addf(out, "%s:%u:%u", loc.src->path, line, col);
}

void xf_diag_format(struct xf_buf *out, const struct xf_diag *d, bool color)
{
    const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
    const char *sevc = !color ? "" : d->sev == XF_SEV_ERROR ? "\033[1;31m" : "\033[1;33m";
    if (d->loc.src) {
        xf_buf_adds(out, bold);
        add_where(out, d->loc);
        xf_buf_addf(out, ":%s ", reset);
    }
    xf_buf_addf(out, "%s%s:%s %s\n", sevc, sev_name(d->sev), reset, d->msg);
    if (d->loc.src) {
        const struct xf_source *s = d->loc.src;
        size_t off = d->loc.off > s->len ? s->len : d->loc.off;
        size_t ls = off, le = off;
        while (ls > 0 && s->text[ls - 1] != '\n')
            ls--;
        while (le < s->len && s->text[le] != '\n')
            le++;
        if (le > ls && s->text[le - 1] == '\r')
            le--;
        unsigned line, col;
        xf_loc_linecol(s, off, &line, &col);
        char num[16];
        int w = snprintf(num, sizeof num, "%u", line);
        xf_buf_addf(out, " %s | ", num);
        xf_buf_add(out, s->text + ls, le - ls);
        xf_buf_addf(out, "\n %*s | ", w, "");
        for (size_t i = ls; i < off; i++)
            xf_buf_addch(out, s->text[i] == '\t' ? '\t' : ' ');
        size_t span = d->loc.len;
        if (off + span > le)
            span = le > off ? le - off : 0;
        xf_buf_adds(out, sevc);
        xf_buf_addch(out, '^');
        for (size_t i = 1; i < span; i++)
            xf_buf_addch(out, '~');
        xf_buf_addf(out, "%s\n", reset);
    }
    if (d->hint)
        xf_buf_addf(out, "  hint: %s\n", d->hint);
    for (size_t i = 0; i < d->nframes; i++) {
        xf_buf_addf(out, "  %s", d->frames[i].what);
        if (d->frames[i].loc.src) {
            xf_buf_adds(out, " called from ");
            add_where(out, d->frames[i].loc);
        }
        xf_buf_addch(out, '\n');
    }
}
