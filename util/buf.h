// SPDX-License-Identifier: MIT
/*
 * The one growable byte buffer. Always NUL-terminated, `ptr` never NULL
 * after init. Memory leaves only through xf_buf_detach(). Allocation
 * failure aborts the process (like git's xmalloc): it is not a user error.
 */
#ifndef XF_UTIL_BUF_H
#define XF_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "util/str.h"

struct xf_buf {
    char *ptr;
    size_t len, cap;
};

extern char xf_buf_empty[1];
#define XF_BUF_INIT                                                                                \
    {                                                                                              \
        xf_buf_empty, 0, 0                                                                         \
    }

void xf_buf_init(struct xf_buf *b, size_t hint);
/* Frees the memory; the buffer is left initialised and empty. */
void xf_buf_release(struct xf_buf *b);
/* Ensures room for `extra` more bytes plus the NUL. */
void xf_buf_grow(struct xf_buf *b, size_t extra);
void xf_buf_add(struct xf_buf *b, const void *p, size_t n);
void xf_buf_adds(struct xf_buf *b, const char *s);
void xf_buf_addstr(struct xf_buf *b, struct xf_str s);
void xf_buf_addch(struct xf_buf *b, char c);
void xf_buf_addf(struct xf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void xf_buf_vaddf(struct xf_buf *b, const char *fmt, va_list ap);
void xf_buf_setlen(struct xf_buf *b, size_t len);
static inline void xf_buf_reset(struct xf_buf *b)
{
    xf_buf_setlen(b, 0);
}
/* Hands the heap string to the caller (free() it); the buffer is re-inited. */
char *xf_buf_detach(struct xf_buf *b, size_t *len_out);
static inline struct xf_str xf_buf_str(const struct xf_buf *b)
{
    return (struct xf_str){b->ptr, b->len};
}

/* Heap helpers that abort on failure. */
void *xf_malloc(size_t n);
void *xf_calloc(size_t n, size_t size);
void *xf_realloc(void *p, size_t n);
char *xf_strdup(const char *s);
char *xf_strndup(const char *s, size_t n);
_Noreturn void xf_die_oom(void);

#endif
