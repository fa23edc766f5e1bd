// SPDX-License-Identifier: MIT
/*
 * Non-owning string slices. Tokens, names and keys point into source text
 * or arena memory through a struct xf_str; nothing here allocates.
 */
#ifndef XF_UTIL_STR_H
#define XF_UTIL_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct xf_str {
    const char *p;
    size_t len;
};

#define XF_STR(lit) ((struct xf_str){(lit), sizeof(lit) - 1})
#define XF_STR_FMT "%.*s"
#define XF_STR_ARG(s) (int)(s).len, (s).p

static inline struct xf_str xf_str_c(const char *s)
{
    return (struct xf_str){s, s ? strlen(s) : 0};
}

static inline struct xf_str xf_str_n(const char *s, size_t n)
{
    return (struct xf_str){s, n};
}

static inline bool xf_str_eq(struct xf_str a, struct xf_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static inline bool xf_str_eqc(struct xf_str a, const char *s)
{
    return xf_str_eq(a, xf_str_c(s));
}

static inline bool xf_str_starts(struct xf_str a, const char *prefix)
{
    size_t n = strlen(prefix);
    return a.len >= n && memcmp(a.p, prefix, n) == 0;
}

static inline bool xf_str_ends(struct xf_str a, const char *suffix)
{
    size_t n = strlen(suffix);
    return a.len >= n && memcmp(a.p + a.len - n, suffix, n) == 0;
}

/* Slice without leading and trailing ASCII white space. */
struct xf_str xf_str_trim(struct xf_str s);

/* 64-bit FNV-1a hash of the bytes of s (for hash maps, not for security). */
unsigned long long xf_str_hash(struct xf_str s);

/* Levenshtein edit distance, capped at `cap` (returns cap when larger). */
size_t xf_str_distance(struct xf_str a, struct xf_str b, size_t cap);

/*
 * The candidate closest to `word` by edit distance, or NULL when none is
 * close enough to be worth suggesting ("did you mean").
 */
const char *xf_str_suggest(struct xf_str word, const char *const *candidates, size_t n);

#endif
