// SPDX-License-Identifier: MIT
/*
 * Strings of catalog.json and the docs data: copied when plain, encoded
 * by jansson otherwise, repaired when they are not UTF-8.
 */
#include "artifacts/docs_json.h"

static bool plain(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            return false;
    }
    return true;
}

static int append(const char *buffer, size_t size, void *data)
{
    xf_buf_add(data, buffer, size);
    return 0;
}

/* Length of the UTF-8 sequence at p (1-4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    size_t n = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : (*p >> 3) == 30 ? 4 : 0;
    if (!n || (size_t)(end - p) < n)
        return 0;
    for (size_t k = 1; k < n; k++) {
        if ((p[k] & 0xc0) != 0x80)
            return 0;
    }
    return n;
}

void xf_docs_json_init(struct xf_docs_json *j, struct xf_buf *out)
{
    j->out = out;
    j->scratch = json_string("");
    if (!j->scratch)
        xf_die_oom();
}

void xf_docs_json_release(struct xf_docs_json *j)
{
    json_decref(j->scratch);
    j->scratch = NULL;
}

void xf_docs_json_strn(struct xf_docs_json *j, const char *s, size_t len)
{
    if (!s) {
        xf_buf_adds(j->out, "null");
        return;
    }
    if (plain(s, len)) {
        xf_buf_grow(j->out, len + 2);
        xf_buf_addch(j->out, '"');
        xf_buf_add(j->out, s, len);
        xf_buf_addch(j->out, '"');
        return;
    }
    if (json_string_setn(j->scratch, s, len) == 0) {
        json_dump_callback(j->scratch, append, j->out, JSON_COMPACT | JSON_ENCODE_ANY);
        return;
    }
    /* not UTF-8 (jansson refuses it): keep what is, replace the rest */
    struct xf_buf fixed = XF_BUF_INIT;
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        size_t n = utf8_len(p, end);
        if (n > 1 && json_string_setn(j->scratch, (const char *)p, n) != 0)
            n = 0; /* overlong forms, surrogates */
        if (n) {
            xf_buf_add(&fixed, p, n);
            p += n;
        } else {
            xf_buf_adds(&fixed, "\xef\xbf\xbd");
            p++;
        }
    }
    if (json_string_setn(j->scratch, fixed.ptr, fixed.len) == 0)
        json_dump_callback(j->scratch, append, j->out, JSON_COMPACT | JSON_ENCODE_ANY);
    else
        xf_buf_adds(j->out, "\"\"");
    xf_buf_release(&fixed);
}

void xf_docs_json_key(struct xf_docs_json *j, bool *first, const char *key)
{
    if (!*first)
        xf_buf_addch(j->out, ',');
    *first = false;
    xf_docs_json_str(j, key ? key : "");
    xf_buf_addch(j->out, ':');
}

void xf_docs_json_kstr(struct xf_docs_json *j, bool *first, const char *key, const char *s)
{
    if (!s || !*s)
        return;
    xf_docs_json_key(j, first, key);
    xf_docs_json_str(j, s);
}
