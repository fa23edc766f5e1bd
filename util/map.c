// SPDX-License-Identifier: MIT
/*
 * Open-addressing hash map with linear probing, kept under 70% full.
 */
#include "util/map.h"

#include <stdlib.h>

#include "util/arena.h"
#include "util/buf.h"

void xf_map_init(struct xf_map *m)
{
    m->slots = NULL;
    m->cap = m->n = 0;
    m->arena = NULL;
}

void xf_map_init_arena(struct xf_map *m, struct xf_arena *a)
{
    xf_map_init(m);
    m->arena = a;
}

void xf_map_release(struct xf_map *m)
{
    if (!m->arena)
        free(m->slots);
    xf_map_init(m);
}

static struct xf_map_slot *find(const struct xf_map *m, struct xf_str key, unsigned long long h)
{
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        struct xf_map_slot *s = &m->slots[i];
        if (!s->key.p || (s->hash == h && xf_str_eq(s->key, key)))
            return s;
    }
}

static void rehash(struct xf_map *m, size_t cap)
{
    struct xf_map_slot *old = m->slots;
    size_t oldcap = m->cap;
    m->slots = m->arena ? xf_arena_zalloc(m->arena, cap * sizeof *m->slots)
                        : xf_calloc(cap, sizeof *m->slots);
    m->cap = cap;
    for (size_t i = 0; i < oldcap; i++) {
        if (old[i].key.p)
            *find(m, old[i].key, old[i].hash) = old[i];
    }
    if (!m->arena)
        free(old);
}

void *xf_map_get(const struct xf_map *m, struct xf_str key)
{
    if (!m->n)
        return NULL;
    struct xf_map_slot *s = find(m, key, xf_str_hash(key));
    return s->key.p ? s->val : NULL;
}

void **xf_map_slot(struct xf_map *m, struct xf_str key, bool *found_out)
{
    if ((m->n + 1) * 10 > m->cap * 7)
        rehash(m, m->cap ? m->cap * 2 : 16);
    unsigned long long h = xf_str_hash(key);
    struct xf_map_slot *s = find(m, key, h);
    bool found = s->key.p != NULL;
    if (!found) {
        s->key = key.p ? key : (struct xf_str){"", 0};
        s->hash = h;
        s->val = NULL;
        m->n++;
    }
    if (found_out)
        *found_out = found;
    return &s->val;
}

void *xf_map_put(struct xf_map *m, struct xf_str key, void *val)
{
    void **slot = xf_map_slot(m, key, NULL);
    void *old = *slot;
    *slot = val;
    return old;
}
