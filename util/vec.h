// SPDX-License-Identifier: MIT
/*
 * Type-generic growable arrays: `XF_VEC(int) v = {0};`. The heap variant
 * (xf_vec_push, xf_vec_release) uses malloc; the arena variant
 * (xf_avec_push) grows inside an arena and is never freed by itself.
 */
#ifndef XF_UTIL_VEC_H
#define XF_UTIL_VEC_H

#include <stddef.h>

#include "util/arena.h"

#define XF_VEC(T)                                                                                  \
    struct {                                                                                       \
        T *v;                                                                                      \
        size_t n, cap;                                                                             \
    }

void xf_vec_reserve_(void **v, size_t *cap, size_t need, size_t elem);
void xf_avec_reserve_(struct xf_arena *a, void **v, size_t *cap, size_t need, size_t elem);

#define xf_vec_reserve(vec, need)                                                                  \
    xf_vec_reserve_((void **)&(vec)->v, &(vec)->cap, (need), sizeof(*(vec)->v))
#define xf_vec_push(vec, x) (xf_vec_reserve((vec), (vec)->n + 1), (vec)->v[(vec)->n++] = (x))
#define xf_vec_release(vec) ((void)(free((vec)->v), (vec)->v = NULL, (vec)->n = (vec)->cap = 0))

#define xf_avec_reserve(arena, vec, need)                                                          \
    xf_avec_reserve_((arena), (void **)&(vec)->v, &(vec)->cap, (need), sizeof(*(vec)->v))
#define xf_avec_push(arena, vec, x)                                                                \
    (xf_avec_reserve((arena), (vec), (vec)->n + 1), (vec)->v[(vec)->n++] = (x))

#endif
