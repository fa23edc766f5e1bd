// SPDX-License-Identifier: MIT
/*
 * A streaming JSON writer for large artifacts (internal to artifacts/).
 * The writer lays out braces, commas and our own literal keys; every
 * string and every user value is encoded by jansson, so escaping and
 * UTF-8 handling stay jansson's. It exists because building a jansson
 * tree per node costs ~10x more than the bytes it produces.
 */
#ifndef XF_ARTIFACTS_JSONW_H
#define XF_ARTIFACTS_JSONW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/value.h"

#define XF_JSONW_MAX_DEPTH 64

struct xf_jsonw {
    struct xf_buf out;
    json_t *scratch; /* a reusable jansson string for encoding */
    int depth;
    bool after_key;
    bool first[XF_JSONW_MAX_DEPTH];
};

void xf_jsonw_init(struct xf_jsonw *w);
void xf_jsonw_release(struct xf_jsonw *w);

void xf_jsonw_open_object(struct xf_jsonw *w);
void xf_jsonw_close_object(struct xf_jsonw *w);
void xf_jsonw_open_array(struct xf_jsonw *w);
void xf_jsonw_close_array(struct xf_jsonw *w);

/* A key that is a plain literal of ours ([a-z_-]): written as is. */
void xf_jsonw_key(struct xf_jsonw *w, const char *literal);
/* Any key (unique ids, column names): encoded by jansson. */
void xf_jsonw_key_str(struct xf_jsonw *w, const char *key);

/* A string (NULL: null); invalid UTF-8 bytes become U+FFFD. */
void xf_jsonw_str(struct xf_jsonw *w, const char *s);
void xf_jsonw_strn(struct xf_jsonw *w, const char *s, size_t len);
void xf_jsonw_null(struct xf_jsonw *w);
void xf_jsonw_bool(struct xf_jsonw *w, bool b);
void xf_jsonw_int(struct xf_jsonw *w, long long i);
void xf_jsonw_real(struct xf_jsonw *w, double d);
/* Constant JSON text of ours, such as "[]" or "{}". */
void xf_jsonw_raw(struct xf_jsonw *w, const char *json);
/* Any xf_value (undefined: null), through jansson. */
void xf_jsonw_value(struct xf_jsonw *w, const struct xf_value *v);
/* A jansson value (not stolen). */
void xf_jsonw_json(struct xf_jsonw *w, const json_t *j);

/* Shorthands for `"key": value`. */
static inline void xf_jsonw_kstr(struct xf_jsonw *w, const char *key, const char *s)
{
    xf_jsonw_key(w, key);
    xf_jsonw_str(w, s);
}
static inline void xf_jsonw_kraw(struct xf_jsonw *w, const char *key, const char *json)
{
    xf_jsonw_key(w, key);
    xf_jsonw_raw(w, json);
}
static inline void xf_jsonw_kbool(struct xf_jsonw *w, const char *key, bool b)
{
    xf_jsonw_key(w, key);
    xf_jsonw_bool(w, b);
}

#endif
