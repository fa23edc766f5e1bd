// SPDX-License-Identifier: MIT
/*
 * Growth policy of the generic vectors in vec.h.
 */
#include "util/vec.h"

#include <stdlib.h>

#include "util/buf.h"

static size_t next_cap(size_t cap, size_t need)
{
    size_t c = cap ? cap : 4;
    while (c < need)
        c *= 2;
    return c;
}

void xf_vec_reserve_(void **v, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return;
    size_t c = next_cap(*cap, need);
    *v = xf_realloc(*v, c * elem);
    *cap = c;
}

void xf_avec_reserve_(struct xf_arena *a, void **v, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return;
    size_t c = next_cap(*cap, need);
    *v = xf_arena_grow(a, *v, *cap * elem, c * elem);
    *cap = c;
}
