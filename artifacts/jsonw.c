// SPDX-License-Identifier: MIT
/*
 * Streaming JSON writer: structure by hand, content through jansson.
 * Plain printable ASCII strings (names, paths, ids: most of a manifest)
 * need no escaping and are copied between quotes; anything else is
 * encoded by jansson.
 */
#include "artifacts/jsonw.h"

#include <string.h>

#include "artifacts/common.h"

void xf_jsonw_init(struct xf_jsonw *w)
{
    memset(w, 0, sizeof *w);
    xf_buf_init(&w->out, 1 << 16);
    w->scratch = json_string("");
    w->first[0] = true;
}

void xf_jsonw_release(struct xf_jsonw *w)
{
    xf_buf_release(&w->out);
    json_decref(w->scratch);
    w->scratch = NULL;
}

/* Before any value: the comma between array items (a key wrote its own). */
static void before_value(struct xf_jsonw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (!w->first[w->depth])
        xf_buf_addch(&w->out, ',');
    w->first[w->depth] = false;
}

static void open_container(struct xf_jsonw *w, char c)
{
    before_value(w);
    xf_buf_addch(&w->out, c);
    if (w->depth + 1 < XF_JSONW_MAX_DEPTH)
        w->depth++;
    w->first[w->depth] = true;
}

static void close_container(struct xf_jsonw *w, char c)
{
    if (w->depth > 0)
        w->depth--;
    xf_buf_addch(&w->out, c);
}

void xf_jsonw_open_object(struct xf_jsonw *w)
{
    open_container(w, '{');
}

void xf_jsonw_close_object(struct xf_jsonw *w)
{
    close_container(w, '}');
}

void xf_jsonw_open_array(struct xf_jsonw *w)
{
    open_container(w, '[');
}

void xf_jsonw_close_array(struct xf_jsonw *w)
{
    close_container(w, ']');
}

static bool plain(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            return false;
    }
    return true;
}

static int append_cb(const char *buffer, size_t size, void *data)
{
    xf_buf_add(data, buffer, size);
    return 0;
}

/* A string value, without the comma logic. */
static void put_string(struct xf_jsonw *w, const char *s, size_t len)
{
    if (plain(s, len)) {
        xf_buf_grow(&w->out, len + 2);
        xf_buf_addch(&w->out, '"');
        xf_buf_add(&w->out, s, len);
        xf_buf_addch(&w->out, '"');
        return;
    }
    if (json_string_setn(w->scratch, s, len) == 0) {
        json_dump_callback(w->scratch, append_cb, &w->out, JSON_COMPACT | JSON_ENCODE_ANY);
        return;
    }
    json_t *j = xf_artifacts_strn(s, len); /* not UTF-8: repaired */
    json_dump_callback(j, append_cb, &w->out, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
}

void xf_jsonw_key(struct xf_jsonw *w, const char *literal)
{
    if (!w->first[w->depth])
        xf_buf_addch(&w->out, ',');
    w->first[w->depth] = false;
    xf_buf_addch(&w->out, '"');
    xf_buf_adds(&w->out, literal);
    xf_buf_add(&w->out, "\":", 2);
    w->after_key = true;
}

void xf_jsonw_key_str(struct xf_jsonw *w, const char *key)
{
    if (!w->first[w->depth])
        xf_buf_addch(&w->out, ',');
    w->first[w->depth] = false;
    put_string(w, key ? key : "", key ? strlen(key) : 0);
    xf_buf_addch(&w->out, ':');
    w->after_key = true;
}

void xf_jsonw_strn(struct xf_jsonw *w, const char *s, size_t len)
{
    before_value(w);
    if (!s)
        xf_buf_add(&w->out, "null", 4);
    else
        put_string(w, s, len);
}

void xf_jsonw_str(struct xf_jsonw *w, const char *s)
{
    xf_jsonw_strn(w, s, s ? strlen(s) : 0);
}

void xf_jsonw_null(struct xf_jsonw *w)
{
    xf_jsonw_raw(w, "null");
}

void xf_jsonw_bool(struct xf_jsonw *w, bool b)
{
    xf_jsonw_raw(w, b ? "true" : "false");
}

void xf_jsonw_int(struct xf_jsonw *w, long long i)
{
    before_value(w);
    xf_buf_addf(&w->out, "%lld", i);
}

void xf_jsonw_real(struct xf_jsonw *w, double d)
{
    json_t *j = json_real(d);
    xf_jsonw_json(w, j ? j : json_null());
    json_decref(j);
}

void xf_jsonw_raw(struct xf_jsonw *w, const char *json)
{
    before_value(w);
    xf_buf_adds(&w->out, json);
}

void xf_jsonw_json(struct xf_jsonw *w, const json_t *j)
{
    before_value(w);
    if (json_is_string(j))
        put_string(w, json_string_value(j), json_string_length(j));
    else
        json_dump_callback(j, append_cb, &w->out, JSON_COMPACT | JSON_ENCODE_ANY);
}

void xf_jsonw_value(struct xf_jsonw *w, const struct xf_value *v)
{
    if (!v || v->t == XF_V_UNDEF || v->t == XF_V_NONE) {
        xf_jsonw_null(w);
    } else if (v->t == XF_V_STR) {
        xf_jsonw_strn(w, v->u.s.p ? v->u.s.p : "", v->u.s.len);
    } else if (v->t == XF_V_BOOL) {
        xf_jsonw_bool(w, v->u.b);
    } else if (v->t == XF_V_INT) {
        xf_jsonw_int(w, (long long)v->u.i);
    } else {
        json_t *j = xf_artifacts_value(v);
        xf_jsonw_json(w, j);
        json_decref(j);
    }
}
