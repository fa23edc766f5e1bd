// SPDX-License-Identifier: MIT
/*
 * The byte format of xform's cache files (parser/ppcache.c, the partial-
 * parse cache; engine/parse_records.c, the parse records): fixed-width
 * integers in the machine's order (a cache is read by the binary that
 * wrote it: the binary's identity is part of every key) and strings as a
 * 32-bit length and the bytes. Reading is bounds-checked: a short or
 * garbled file sets `bad` and reads zeros, never past the end.
 */
#ifndef XF_UTIL_WIRE_H
#define XF_UTIL_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

void xf_wire_put(struct xf_buf *b, const void *p, size_t n);
void xf_wire_put32(struct xf_buf *b, uint32_t v);
void xf_wire_put64(struct xf_buf *b, uint64_t v);
void xf_wire_putstr(struct xf_buf *b, const char *s, size_t n);

struct xf_wire {
    const char *p;
    size_t len, pos;
    bool bad; /* a read went past the end: every later read fails too */
};

/* Copies n bytes to out (zeros and false when they are not there). */
bool xf_wire_get(struct xf_wire *r, void *out, size_t n);
uint32_t xf_wire_get32(struct xf_wire *r);
uint64_t xf_wire_get64(struct xf_wire *r);
/* A string: into the bytes read, not NUL-terminated ("" when bad). */
const char *xf_wire_getstr(struct xf_wire *r, size_t *n);

#endif
