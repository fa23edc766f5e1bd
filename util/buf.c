// SPDX-License-Identifier: MIT
/*
 * The growable buffer and the aborting allocation helpers.
 */
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char xf_buf_empty[1];

_Noreturn void xf_die_oom(void)
{
    fputs("xform: out of memory\n", stderr);
    abort();
}

void *xf_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        xf_die_oom();
    return p;
}

void *xf_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        xf_die_oom();
    return p;
}

void *xf_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        xf_die_oom();
    return q;
}

char *xf_strndup(const char *s, size_t n)
{
    char *p = xf_malloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *xf_strdup(const char *s)
{
    return xf_strndup(s, strlen(s));
}

void xf_buf_init(struct xf_buf *b, size_t hint)
{
    b->ptr = xf_buf_empty;
    b->len = b->cap = 0;
    if (hint)
        xf_buf_grow(b, hint);
}

void xf_buf_release(struct xf_buf *b)
{
    if (b->cap)
        free(b->ptr);
    xf_buf_init(b, 0);
}

void xf_buf_grow(struct xf_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    if (b->cap) {
        b->ptr = xf_realloc(b->ptr, cap);
    } else {
        b->ptr = xf_malloc(cap);
        b->ptr[0] = 0;
    }
    b->cap = cap;
}

void xf_buf_add(struct xf_buf *b, const void *p, size_t n)
{
    if (!n)
        return;
    xf_buf_grow(b, n);
    memcpy(b->ptr + b->len, p, n);
    b->len += n;
    b->ptr[b->len] = 0;
}

void xf_buf_adds(struct xf_buf *b, const char *s)
{
    xf_buf_add(b, s, strlen(s));
}

void xf_buf_addstr(struct xf_buf *b, struct xf_str s)
{
    xf_buf_add(b, s.p, s.len);
}

void xf_buf_addch(struct xf_buf *b, char c)
{
    xf_buf_grow(b, 1);
    b->ptr[b->len++] = c;
    b->ptr[b->len] = 0;
}

void xf_buf_vaddf(struct xf_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, cp);
    va_end(cp);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        xf_buf_add(b, small, (size_t)n);
        return;
    }
    xf_buf_grow(b, (size_t)n);
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void xf_buf_addf(struct xf_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    xf_buf_vaddf(b, fmt, ap);
    va_end(ap);
}

void xf_buf_setlen(struct xf_buf *b, size_t len)
{
    if (!b->cap)
        return; /* empty shared buffer: len is already 0 */
    b->len = len;
    b->ptr[len] = 0;
}

char *xf_buf_detach(struct xf_buf *b, size_t *len_out)
{
    char *p = b->cap ? b->ptr : xf_strdup("");
    if (len_out)
        *len_out = b->len;
    xf_buf_init(b, 0);
    return p;
}
