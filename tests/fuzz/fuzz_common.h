// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the libFuzzer harnesses in tests/fuzz/: the input as
 * a NUL-terminated source (as xf_read_file gives the loader), every
 * diagnostic formatted (the printer is part of what is fuzzed), and a
 * scratch project folder for the harnesses that go through files.
 */
#ifndef XF_TESTS_FUZZ_COMMON_H
#define XF_TESTS_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/diag.h"
#include "util/path.h"

/* A heap copy of the input with a NUL after it (free it). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *t = xf_malloc(size + 1);
    if (size)
        memcpy(t, data, size);
    t[size] = '\0';
    return t;
}

/* Formats every diagnostic as the command line would print it. */
static inline void fuzz_format_diags(const struct xf_diags *d)
{
    struct xf_buf b = XF_BUF_INIT;
    for (const struct xf_diag *g = d->head; g; g = g->next)
        xf_diag_format(&b, g, (b.len & 1) != 0);
    xf_buf_release(&b);
}

/* A fresh folder under $TMPDIR (or /tmp), removed at exit. */
static char fuzz_dir_path[4096];

static inline void fuzz_dir_remove(void)
{
    if (fuzz_dir_path[0])
        xf_remove_tree(fuzz_dir_path);
}

static inline const char *fuzz_dir(void)
{
    if (!fuzz_dir_path[0]) {
        const char *tmp = getenv("TMPDIR");
        struct xf_buf b = XF_BUF_INIT;
        xf_buf_addf(&b, "%s/xform-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(b.ptr))
            abort();
        memcpy(fuzz_dir_path, b.ptr, b.len + 1 < sizeof fuzz_dir_path ? b.len + 1 : 0);
        xf_buf_release(&b);
        atexit(fuzz_dir_remove);
    }
    return fuzz_dir_path;
}

/* Writes `rel` under the scratch folder (parents created); aborts on failure. */
static inline void fuzz_put(const char *rel, const void *data, size_t len)
{
    struct xf_buf p = XF_BUF_INIT;
    xf_buf_addf(&p, "%s/%s", fuzz_dir(), rel);
    if (xf_write_file(p.ptr, data, len) != 0)
        abort();
    xf_buf_release(&p);
}

static inline void fuzz_puts(const char *rel, const char *text)
{
    fuzz_put(rel, text, strlen(text));
}

#endif
