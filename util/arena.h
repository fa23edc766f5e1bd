// SPDX-License-Identifier: MIT
/*
 * Bump allocator: tokens, ASTs, graph nodes and rendered SQL of one
 * load/compile/render live in an arena and die together with one
 * xf_arena_release(). Not thread-safe: one arena per thread of work.
 */
#ifndef XF_UTIL_ARENA_H
#define XF_UTIL_ARENA_H

#include <stdarg.h>
#include <stddef.h>

#include "util/str.h"

struct xf_arena_chunk;

struct xf_arena {
    struct xf_arena_chunk *head;
    char *cur, *end;
    size_t total;                 /* bytes obtained from malloc, for statistics */
    struct xf_arena_chunk *spare; /* one chunk kept by xf_arena_reset for reuse */
};

/* A point to come back to with xf_arena_reset (see there). */
struct xf_arena_mark {
    struct xf_arena_chunk *head, *next;
    char *cur, *end;
    size_t total;
};

void xf_arena_init(struct xf_arena *a);
/* Frees every chunk; the arena is left initialised and empty. */
void xf_arena_release(struct xf_arena *a);
/* n bytes aligned to 16, uninitialised. Never returns NULL. */
void *xf_arena_alloc(struct xf_arena *a, size_t n);
void *xf_arena_zalloc(struct xf_arena *a, size_t n);
/* Grows an arena block: copies `old_n` bytes into a new block of `new_n`. */
void *xf_arena_grow(struct xf_arena *a, void *old, size_t old_n, size_t new_n);
char *xf_arena_strndup(struct xf_arena *a, const char *s, size_t n);
char *xf_arena_strdup(struct xf_arena *a, const char *s);
static inline char *xf_arena_strdups(struct xf_arena *a, struct xf_str s)
{
    return xf_arena_strndup(a, s.p, s.len);
}
char *xf_arena_printf(struct xf_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *xf_arena_vprintf(struct xf_arena *a, const char *fmt, va_list ap) __attribute__((nonnull(2)));

/* Remembers the arena's current end. */
void xf_arena_mark(struct xf_arena *a, struct xf_arena_mark *m);
/*
 * Frees everything allocated since `m` was taken (later marks die with
 * it): for temporaries of a loop iteration that nothing kept. One freed
 * chunk is kept for the next allocations, so a loop does not malloc and
 * free a chunk per iteration.
 */
void xf_arena_reset(struct xf_arena *a, const struct xf_arena_mark *m);

#define XF_ANEW(a, T) ((T *)xf_arena_zalloc((a), sizeof(T)))
/* Remembers the arena's current end. */
void xf_arena_mark(struct xf_arena *a, struct xf_arena_mark *m);
/*
 * Frees everything allocated since `m` was taken (later marks die with
 * it): for temporaries of a loop iteration that nothing kept. One freed
 * chunk is kept for the next allocations, so a loop does not malloc and
 * free a chunk per iteration.
 */
void xf_arena_reset(struct xf_arena *a, const struct xf_arena_mark *m);

#define XF_ANEWN(a, T, n) ((T *)xf_arena_zalloc((a), sizeof(T) * (n)))

#endif
