// SPDX-License-Identifier: MIT
/*
 * Bump allocator over a list of malloc'd chunks. Chunks double in size up
 * to 1 MiB; requests larger than a quarter chunk get a chunk of their own.
 */
#include "util/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

struct xf_arena_chunk {
    struct xf_arena_chunk *next;
    size_t size;
    _Alignas(16) char data[];
};

#define ALIGN 16
#define MIN_CHUNK (16 * 1024)
#define MAX_CHUNK (4 * 1024 * 1024)

void xf_arena_init(struct xf_arena *a)
{
    memset(a, 0, sizeof *a);
}

void xf_arena_release(struct xf_arena *a)
{
    struct xf_arena_chunk *c = a->head;
    while (c) {
        struct xf_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a->spare);
    xf_arena_init(a);
}

void xf_arena_mark(struct xf_arena *a, struct xf_arena_mark *m)
{
    m->head = a->head;
    m->next = a->head ? a->head->next : NULL;
    m->cur = a->cur;
    m->end = a->end;
    m->total = a->total;
}

/* Frees a chunk, or keeps it as the spare when it is a normal-sized one. */
static void drop_chunk(struct xf_arena *a, struct xf_arena_chunk *c)
{
    if (!a->spare && c->size <= MAX_CHUNK) {
        a->spare = c;
        return;
    }
    if (a->spare && c->size > a->spare->size && c->size <= MAX_CHUNK) {
        free(a->spare);
        a->spare = c;
        return;
    }
    free(c);
}

void xf_arena_reset(struct xf_arena *a, const struct xf_arena_mark *m)
{
    if (a->head == m->head && a->cur == m->cur && (!a->head || a->head->next == m->next))
        return; /* nothing allocated since: the common case of an empty iteration */
    /*
     * Chunks made since the mark sit in front of m->head; big blocks are
     * linked right behind whichever chunk was the head, so behind m->head
     * they sit between it and m->next.
     */
    struct xf_arena_chunk *c = a->head;
    while (c != m->head) {
        struct xf_arena_chunk *next = c->next;
        drop_chunk(a, c);
        c = next;
    }
    if (m->head) {
        c = m->head->next;
        while (c != m->next) {
            struct xf_arena_chunk *next = c->next;
            drop_chunk(a, c);
            c = next;
        }
        m->head->next = m->next;
    }
    a->head = m->head;
    a->cur = m->cur;
    a->end = m->end;
    a->total = m->total;
}

static struct xf_arena_chunk *new_chunk(struct xf_arena *a, size_t size)
{
    struct xf_arena_chunk *c;
    if (a->spare && a->spare->size >= size) {
        c = a->spare;
        a->spare = NULL;
        a->total += c->size;
        return c;
    }
    /*
     * No MADV_HUGEPAGE: on this kind of VM (free page reporting to the
     * host) a 2 MB page faulted in costs 1-4 ms per MB against 0.7-1 ms
     * per MB in 4 kB pages, and a 2 MB page counts whole in the RSS
     * however little of it is used (docs/performance.md, "Huge pages").
     */
    c = xf_malloc(sizeof *c + size);
    c->size = size;
    a->total += size;
    return c;
}

void *xf_arena_alloc(struct xf_arena *a, size_t n)
{
    n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (n == 0)
        n = ALIGN;
    if ((size_t)(a->end - a->cur) >= n && a->cur) {
        void *p = a->cur;
        a->cur += n;
        return p;
    }
    size_t last = a->head ? a->head->size : MIN_CHUNK / 2;
    size_t size = last * 2 > MAX_CHUNK ? MAX_CHUNK : last * 2;
    if (n > size / 4) {
        /* Big block: its own chunk, linked behind the current one. */
        struct xf_arena_chunk *c = new_chunk(a, n);
        if (a->head) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = NULL;
            a->head = c;
            a->cur = a->end = c->data + n;
        }
        return c->data;
    }
    struct xf_arena_chunk *c = new_chunk(a, size);
    c->next = a->head;
    a->head = c;
    a->cur = c->data + n;
    a->end = c->data + size;
    return c->data;
}

void *xf_arena_zalloc(struct xf_arena *a, size_t n)
{
    void *p = xf_arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

void *xf_arena_grow(struct xf_arena *a, void *old, size_t old_n, size_t new_n)
{
    if (new_n <= old_n)
        return old;
    /* Extend in place when the block is the last one handed out. */
    size_t old_al = (old_n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    size_t new_al = (new_n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (old && (char *)old + old_al == a->cur && (size_t)(a->end - (char *)old) >= new_al) {
        a->cur = (char *)old + new_al;
        return old;
    }
    void *p = xf_arena_alloc(a, new_n);
    if (old_n)
        memcpy(p, old, old_n);
    return p;
}

char *xf_arena_strndup(struct xf_arena *a, const char *s, size_t n)
{
    char *p = xf_arena_alloc(a, n + 1);
    if (n)
        memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *xf_arena_strdup(struct xf_arena *a, const char *s)
{
    return xf_arena_strndup(a, s, strlen(s));
}

char *xf_arena_vprintf(struct xf_arena *a, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        n = 0;
    char *p = xf_arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *xf_arena_printf(struct xf_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = xf_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}
