// SPDX-License-Identifier: MIT
/*
 * Slice helpers: trimming, hashing and the edit distance behind every
 * "did you mean" suggestion.
 */
#include "util/str.h"

#include <ctype.h>
#include <stdlib.h>

struct xf_str xf_str_trim(struct xf_str s)
{
    while (s.len && isspace((unsigned char)s.p[0])) {
        s.p++;
        s.len--;
    }
    while (s.len && isspace((unsigned char)s.p[s.len - 1]))
        s.len--;
    return s;
}

unsigned long long xf_str_hash(struct xf_str s)
{
    unsigned long long h = 1469598103934665603ULL;
    for (size_t i = 0; i < s.len; i++) {
        h ^= (unsigned char)s.p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

size_t xf_str_distance(struct xf_str a, struct xf_str b, size_t cap)
{
    if (a.len > 64 || b.len > 64)
        return cap;
    size_t diff = a.len > b.len ? a.len - b.len : b.len - a.len;
    if (diff >= cap)
        return cap;
    size_t row[65];
    for (size_t j = 0; j <= b.len; j++)
        row[j] = j;
    for (size_t i = 1; i <= a.len; i++) {
        size_t prev = row[0];
        row[0] = i;
        size_t best = row[0];
        for (size_t j = 1; j <= b.len; j++) {
            size_t cur = row[j];
            size_t sub =
                prev + (tolower((unsigned char)a.p[i - 1]) != tolower((unsigned char)b.p[j - 1]));
            size_t del = row[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            if (row[j] < best)
                best = row[j];
            prev = cur;
        }
        if (best >= cap)
            return cap;
    }
    return row[b.len] < cap ? row[b.len] : cap;
}

const char *xf_str_suggest(struct xf_str word, const char *const *candidates, size_t n)
{
    /* Allow about one edit per three characters, at least one, at most 4. */
    size_t cap = word.len / 3 + 1;
    if (cap > 4)
        cap = 4;
    cap++;
    const char *best = NULL;
    size_t best_d = cap;
    for (size_t i = 0; i < n; i++) {
        size_t d = xf_str_distance(word, xf_str_c(candidates[i]), best_d);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    return best;
}
