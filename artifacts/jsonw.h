// SPDX-License-Identifier: MIT
/*
 * A streaming JSON writer for large artifacts (internal to artifacts/).
 * It lays out braces and commas and encodes strings, numbers and xf_values
 * straight into one growing buffer, byte for byte as jansson's compact
 * dump would (same escapes, same number forms), without building a tree:
 * a 40,000-node manifest is ~100 MB and must take a fraction of a second.
 * Invalid UTF-8 bytes become U+FFFD, one per byte. A writer either keeps
 * the whole document in memory or streams it, a chunk at a time, into a
 * temporary file that replaces the target when it is complete: faulting in
 * 100 MB of fresh memory costs as much as producing the text.
 */
#ifndef XF_ARTIFACTS_JSONW_H
#define XF_ARTIFACTS_JSONW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "util/buf.h"
#include "util/value.h"

#define XF_JSONW_MAX_DEPTH 64

struct xf_jsonw {
    struct xf_buf out;     /* the document (streaming: what is not written yet) */
    struct xf_buf scratch; /* string forms of values */
    int fd;                /* streaming into this temporary file, or -1 */
    int err;               /* the first write error (-errno), or 0 */
    char *path, *tmp;      /* streaming: the target and the temporary file */
    int depth;
    bool after_key;
    bool first[XF_JSONW_MAX_DEPTH];
};

/* An in-memory writer; `hint`: the expected size of the document in bytes. */
void xf_jsonw_init(struct xf_jsonw *w, size_t hint);
/* Frees the buffers; a file not committed is removed. */
void xf_jsonw_release(struct xf_jsonw *w);
/* In memory: terminates w->out with a NUL (not counted in len). */
void xf_jsonw_finish(struct xf_jsonw *w);

/*
 * A writer that streams into <dir>/<name> (dir NULL or "": the current
 * folder, created if missing) through a temporary file next to it. Returns
 * 0, or -errno (then only xf_jsonw_release is allowed).
 */
int xf_jsonw_init_file(struct xf_jsonw *w, const char *dir, const char *name);
/*
 * A part of a document made on another thread, streamed into an unnamed
 * temporary file in `dir` instead of held in memory (half a 10,000-model
 * manifest is ~50 MB). Returns 0, or -errno.
 */
int xf_jsonw_init_spill(struct xf_jsonw *w, const char *dir);
/*
 * Appends the text a part writer (in memory or spilled) holds, as it is.
 * Commas around it are the caller's. A spilled part's error becomes w's.
 */
void xf_jsonw_append(struct xf_jsonw *w, struct xf_jsonw *part);
/*
 * Writes the rest, closes and renames the file into place. 0, or the first
 * -errno of any write, the close or the rename: then the temporary file is
 * removed and the document at the path is left as it was.
 */
int xf_jsonw_commit(struct xf_jsonw *w);
/* Slow path of xf_jsonw_room: writes out the chunk or grows the buffer. */
void xf_jsonw_make_room(struct xf_jsonw *w, size_t n);

/*
 * Appends `s` (len bytes, any content) to `out` as a JSON string with its
 * quotes: `"` and `\` escaped, \b \f \n \r \t, other control bytes as
 * \u00XX (upper-case hex, as jansson), valid UTF-8 as is, each byte of an
 * invalid sequence as U+FFFD.
 */
void xf_json_escape(struct xf_buf *out, const char *s, size_t len);
/*
 * Writes a finite double as jansson writes reals ("%.17g", then ".0" when
 * there is neither '.' nor 'e', exponent without '+' or leading zeros).
 * `out` needs 32 bytes; returns the length, or 0 for NaN and infinities.
 */
size_t xf_json_real(char out[32], double d);
/* Writes a long long in decimal; `out` needs 21 bytes. Returns the length. */
size_t xf_json_int(char out[24], long long i);

/* ---- inline core: room, commas, literal keys ---------------------------- */

/* Room for n more bytes (and a NUL); returns where to write them. */
static inline char *xf_jsonw_room(struct xf_jsonw *w, size_t n)
{
    if (w->out.cap - w->out.len <= n)
        xf_jsonw_make_room(w, n);
    return w->out.ptr + w->out.len;
}

static inline void xf_jsonw_put(struct xf_jsonw *w, const char *s, size_t n)
{
    char *o = xf_jsonw_room(w, n);
    memcpy(o, s, n);
    w->out.len += n;
}

/* Before any value: the comma between array items (a key wrote its own). */
static inline void xf_jsonw_before_value(struct xf_jsonw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (!w->first[w->depth]) {
        xf_jsonw_room(w, 1);
        w->out.ptr[w->out.len++] = ',';
    }
    w->first[w->depth] = false;
}

/* A key that is a plain literal of ours (no character needs escaping). */
static inline void xf_jsonw_keyn(struct xf_jsonw *w, const char *literal, size_t n)
{
    char *o = xf_jsonw_room(w, n + 4);
    if (!w->first[w->depth])
        *o++ = ',';
    w->first[w->depth] = false;
    *o++ = '"';
    memcpy(o, literal, n);
    o += n;
    *o++ = '"';
    *o++ = ':';
    w->out.len = (size_t)(o - w->out.ptr);
    w->after_key = true;
}

static inline void xf_jsonw_key(struct xf_jsonw *w, const char *literal)
{
    xf_jsonw_keyn(w, literal, strlen(literal));
}

/*
 * Members of ours as constant JSON text, `"key":value[,"key":value...]`:
 * one copy instead of a key and a value each. XF_JSONW_MEMBERS takes a
 * string literal.
 */
static inline void xf_jsonw_membersn(struct xf_jsonw *w, const char *json, size_t n)
{
    char *o = xf_jsonw_room(w, n + 1);
    if (!w->first[w->depth])
        *o++ = ',';
    w->first[w->depth] = false;
    memcpy(o, json, n);
    w->out.len = (size_t)(o + n - w->out.ptr);
}
#define XF_JSONW_MEMBERS(w, lit) xf_jsonw_membersn(w, "" lit, sizeof(lit) - 1)

/* Constant JSON text of ours, such as "[]" or "{}". */
static inline void xf_jsonw_rawn(struct xf_jsonw *w, const char *json, size_t n)
{
    xf_jsonw_before_value(w);
    xf_jsonw_put(w, json, n);
}

static inline void xf_jsonw_raw(struct xf_jsonw *w, const char *json)
{
    xf_jsonw_rawn(w, json, strlen(json));
}

static inline void xf_jsonw_open(struct xf_jsonw *w, char c)
{
    xf_jsonw_before_value(w);
    xf_jsonw_room(w, 1);
    w->out.ptr[w->out.len++] = c;
    if (w->depth + 1 < XF_JSONW_MAX_DEPTH)
        w->depth++;
    w->first[w->depth] = true;
}

static inline void xf_jsonw_close(struct xf_jsonw *w, char c)
{
    if (w->depth > 0)
        w->depth--;
    xf_jsonw_room(w, 1);
    w->out.ptr[w->out.len++] = c;
}

static inline void xf_jsonw_open_object(struct xf_jsonw *w)
{
    xf_jsonw_open(w, '{');
}
static inline void xf_jsonw_close_object(struct xf_jsonw *w)
{
    xf_jsonw_close(w, '}');
}
static inline void xf_jsonw_open_array(struct xf_jsonw *w)
{
    xf_jsonw_open(w, '[');
}
static inline void xf_jsonw_close_array(struct xf_jsonw *w)
{
    xf_jsonw_close(w, ']');
}

/* ---- values -------------------------------------------------------------- */

/* A key given as its JSON text, quotes included (see xf_jsonw_quoted). */
static inline void xf_jsonw_key_json(struct xf_jsonw *w, const char *json, size_t n)
{
    char *o = xf_jsonw_room(w, n + 2);
    if (!w->first[w->depth])
        *o++ = ',';
    w->first[w->depth] = false;
    memcpy(o, json, n);
    o[n] = ':';
    w->out.len = (size_t)(o + n + 1 - w->out.ptr);
    w->after_key = true;
}

/* Appends s as a quoted JSON string, with no comma: for text kept to reuse. */
void xf_jsonw_quoted(struct xf_jsonw *w, const char *s, size_t len);

/* Any key (unique ids, column names, user keys): escaped. */
void xf_jsonw_key_strn(struct xf_jsonw *w, const char *key, size_t len);
static inline void xf_jsonw_key_str(struct xf_jsonw *w, const char *key)
{
    xf_jsonw_key_strn(w, key ? key : "", key ? strlen(key) : 0);
}

/* A string (NULL: null). */
void xf_jsonw_strn(struct xf_jsonw *w, const char *s, size_t len);
static inline void xf_jsonw_str(struct xf_jsonw *w, const char *s)
{
    xf_jsonw_strn(w, s, s ? strlen(s) : 0);
}

/*
 * One string value made of parts, each escaped as it comes, with no
 * temporary buffer: str_begin, any number of str_part, str_end.
 */
void xf_jsonw_str_begin(struct xf_jsonw *w);
void xf_jsonw_str_partn(struct xf_jsonw *w, const char *s, size_t len);
static inline void xf_jsonw_str_part(struct xf_jsonw *w, const char *s)
{
    if (s)
        xf_jsonw_str_partn(w, s, strlen(s));
}
void xf_jsonw_str_end(struct xf_jsonw *w);
/* A part that is a string literal of ours with nothing to escape: copied. */
#define XF_JSONW_STR_LIT(w, lit) xf_jsonw_put(w, "" lit, sizeof(lit) - 1)

static inline void xf_jsonw_null(struct xf_jsonw *w)
{
    xf_jsonw_rawn(w, "null", 4);
}
static inline void xf_jsonw_bool(struct xf_jsonw *w, bool b)
{
    if (b)
        xf_jsonw_rawn(w, "true", 4);
    else
        xf_jsonw_rawn(w, "false", 5);
}
void xf_jsonw_int(struct xf_jsonw *w, long long i);
/* A real as jansson writes it; NaN and infinities as null. */
void xf_jsonw_real(struct xf_jsonw *w, double d);
/* Any xf_value (undefined: null); functions and objects as their string form. */
void xf_jsonw_value(struct xf_jsonw *w, const struct xf_value *v);
/* A jansson value (not stolen), through jansson's own dump. */
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
