// SPDX-License-Identifier: MIT
#include "util/wire.h"

#include <string.h>

void xf_wire_put(struct xf_buf *b, const void *p, size_t n)
{
    if (n)
        xf_buf_add(b, p, n);
}

void xf_wire_put32(struct xf_buf *b, uint32_t v)
{
    xf_wire_put(b, &v, sizeof v);
}

void xf_wire_put64(struct xf_buf *b, uint64_t v)
{
    xf_wire_put(b, &v, sizeof v);
}

void xf_wire_putstr(struct xf_buf *b, const char *s, size_t n)
{
    xf_wire_put32(b, (uint32_t)n);
    xf_wire_put(b, s, n);
}

bool xf_wire_get(struct xf_wire *r, void *out, size_t n)
{
    if (r->bad || r->len - r->pos < n) {
        r->bad = true;
        memset(out, 0, n);
        return false;
    }
    if (n)
        memcpy(out, r->p + r->pos, n);
    r->pos += n;
    return true;
}

uint32_t xf_wire_get32(struct xf_wire *r)
{
    uint32_t v;
    xf_wire_get(r, &v, sizeof v);
    return v;
}

uint64_t xf_wire_get64(struct xf_wire *r)
{
    uint64_t v;
    xf_wire_get(r, &v, sizeof v);
    return v;
}

const char *xf_wire_getstr(struct xf_wire *r, size_t *n)
{
    uint32_t l;
    if (!xf_wire_get(r, &l, sizeof l) || r->len - r->pos < l) {
        r->bad = true;
        *n = 0;
        return "";
    }
    const char *s = r->p + r->pos;
    r->pos += l;
    *n = l;
    return s;
}
