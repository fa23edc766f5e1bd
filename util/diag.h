// SPDX-License-Identifier: MIT
/*
 * Located diagnostics. Everything that reads user input reports problems
 * here as {severity, location, message, hint, call frames}; cmd/ prints
 * them with xf_diag_format() as `path:line:col: error: message`, the source
 * line and a caret underline. Locations are byte offsets; line and column
 * are computed only when printing.
 */
#ifndef XF_UTIL_DIAG_H
#define XF_UTIL_DIAG_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* A loaded file. `path` is the display path (relative to the project). */
struct xf_source {
    const char *path;
    const char *text;
    size_t len;
};

struct xf_loc {
    const struct xf_source *src; /* NULL: no location */
    size_t off, len;
};

#define XF_NOLOC ((struct xf_loc){NULL, 0, 0})

enum xf_severity { XF_SEV_ERROR, XF_SEV_WARNING, XF_SEV_NOTE };

struct xf_diag_frame {
    struct xf_loc loc; /* where the call happened */
    char *what;        /* e.g. "in macro 'cents_to_dollars'" */
};

struct xf_diag {
    enum xf_severity sev;
    struct xf_loc loc;
    char *msg;
    char *hint; /* may be NULL */
    struct xf_diag_frame *frames;
    size_t nframes;
    struct xf_diag *next;
};

/* A thread-safe list of diagnostics; owns every string in it. */
struct xf_diags {
    struct xf_diag *head, *tail;
    size_t nerrors, nwarnings;
    pthread_mutex_t lock;
};

void xf_diags_init(struct xf_diags *d);
void xf_diags_release(struct xf_diags *d);

/* Adds a diagnostic and returns it (owned by `d`) so frames can be added. */
struct xf_diag *xf_diag_add(struct xf_diags *d, enum xf_severity sev, struct xf_loc loc,
                            const char *fmt, ...) __attribute__((format(printf, 4, 5)));
struct xf_diag *xf_diag_vadd(struct xf_diags *d, enum xf_severity sev, struct xf_loc loc,
                             const char *fmt, va_list ap);
/* Shorthand for an error; returns -1 so callers can `return xf_error(...)`. */
int xf_error(struct xf_diags *d, struct xf_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void xf_diag_hint(struct xf_diag *diag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void xf_diag_frame(struct xf_diag *diag, struct xf_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Moves every diagnostic of `from` to the end of `to`. */
void xf_diags_move(struct xf_diags *to, struct xf_diags *from);

/* 1-based line and column (in bytes) of an offset. */
void xf_loc_linecol(const struct xf_source *src, size_t off, unsigned *line, unsigned *col);

/*
 * Appends the printed form of a diagnostic:
 *   path:line:col: error: message
 *      3 | select * from {{ ref('stg_order') }}
 *        |                  ^~~~~~~~~~~~~~~~
 *     = hint: ...
 *     in macro 'x' called from path:line:col
 */
void xf_diag_format(struct xf_buf *out, const struct xf_diag *d, bool color);

#endif
