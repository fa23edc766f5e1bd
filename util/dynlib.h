// SPDX-License-Identifier: MIT
/*
 * Libraries loaded on first use: libpq (PostgreSQL targets), libcurl and
 * libarchive (`xform deps`), libmicrohttpd (`xform docs serve`) pull in
 * some forty more shared objects whose loading and relocation cost every
 * command ~7 ms of CPU at start. A file that uses one declares a pointer
 * per function (XF_DYN_PTR), maps the names to them with #defines, so its
 * call sites read as plain calls, and loads the table before the first.
 */
#ifndef XF_UTIL_DYNLIB_H
#define XF_UTIL_DYNLIB_H

#include <stddef.h>

#include "util/buf.h"

/* A pointer `xf_dyn_<fn>` of fn's type (declared by the library's header). */
#define XF_DYN_PTR(fn) static __typeof__(fn) *xf_dyn_##fn
/* One entry of a symbol table: the name and where its address goes. */
#define XF_DYN_SYM(fn)                                                                             \
    {                                                                                              \
#fn, (void **)&xf_dyn_##fn                                                                 \
    }

struct xf_dynsym {
    const char *name;
    void **slot;
};

/* A library and its functions; static in its user, loaded once per process. */
struct xf_dynlib {
    const char *what;           /* "libpq", for messages */
    const char *const *sonames; /* tried in order, NULL-terminated */
    const struct xf_dynsym *syms;
    size_t nsyms;
    int state;     /* 0 not tried, 1 loaded, -1 failed */
    char why[256]; /* dlerror() of the failure */
};

/*
 * Loads `l` (dlopen of the first soname that opens, then every symbol)
 * unless done already; thread-safe. 0, or -1 with the reason appended to
 * err (a failure is remembered: later calls fail the same way).
 */
int xf_dynlib_load(struct xf_dynlib *l, struct xf_buf *err);

#endif
