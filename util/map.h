// SPDX-License-Identifier: MIT
/*
 * String-keyed hash map (open addressing, linear probing). Keys are
 * xf_str slices the map does NOT own: they must outlive the map (they
 * usually live in the same arena as the values).
 */
#ifndef XF_UTIL_MAP_H
#define XF_UTIL_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "util/str.h"

struct xf_map_slot {
    struct xf_str key; /* key.p == NULL: empty slot */
    unsigned long long hash;
    void *val;
};

struct xf_arena;

struct xf_map {
    struct xf_map_slot *slots;
    size_t cap, n;
    struct xf_arena *arena; /* slots live here (never freed one by one), or NULL: heap */
};

void xf_map_init(struct xf_map *m);
/* A map whose memory lives in an arena: no xf_map_release needed. */
void xf_map_init_arena(struct xf_map *m, struct xf_arena *a);
void xf_map_release(struct xf_map *m);
void *xf_map_get(const struct xf_map *m, struct xf_str key);
static inline void *xf_map_getc(const struct xf_map *m, const char *key)
{
    return xf_map_get(m, xf_str_c(key));
}
/* Inserts or replaces; returns the previous value or NULL. */
void *xf_map_put(struct xf_map *m, struct xf_str key, void *val);
/* Slot for key, created (val NULL) when absent; *found_out says which. */
void **xf_map_slot(struct xf_map *m, struct xf_str key, bool *found_out);

/* Iterate: for (size_t i = 0; i < m.cap; i++) if (m.slots[i].key.p) ... */

#endif
