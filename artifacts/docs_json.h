// SPDX-License-Identifier: MIT
/*
 * JSON text for catalog.json and the docs site's data, written straight
 * into a buffer (internal to artifacts/). Braces, commas and our own keys
 * are laid out by the caller; every string is encoded here: plain ASCII
 * copied between quotes, anything else by jansson (invalid UTF-8 bytes
 * become U+FFFD). Building a jansson tree per node costs several times
 * more than the bytes it produces, which 40,000 nodes make visible.
 */
#ifndef XF_ARTIFACTS_DOCS_JSON_H
#define XF_ARTIFACTS_DOCS_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "util/buf.h"

struct xf_docs_json {
    struct xf_buf *out;
    json_t *scratch; /* one jansson string reused for every encoding */
};

void xf_docs_json_init(struct xf_docs_json *j, struct xf_buf *out);
void xf_docs_json_release(struct xf_docs_json *j);

/* A JSON string (NULL: null). */
void xf_docs_json_strn(struct xf_docs_json *j, const char *s, size_t len);

static inline void xf_docs_json_str(struct xf_docs_json *j, const char *s)
{
    xf_docs_json_strn(j, s, s ? strlen(s) : 0);
}

/*
 * `"key":` (the key encoded), preceded by a comma unless *first, which
 * it then clears.
 */
void xf_docs_json_key(struct xf_docs_json *j, bool *first, const char *key);

/* `,"key":"value"` for our literal keys; nothing when s is NULL or empty. */
void xf_docs_json_kstr(struct xf_docs_json *j, bool *first, const char *key, const char *s);

#endif
