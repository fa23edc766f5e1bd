// SPDX-License-Identifier: MIT
/*
 * Streaming JSON writer: structure, strings and numbers written straight
 * into the output buffer. Strings are escaped through one table, eight
 * bytes at a time over the plain runs that make up almost all of a
 * manifest; the escapes and number forms are jansson's, so the documents
 * are the same bytes a jansson tree would dump, only ~10x sooner.
 */
#include "artifacts/jsonw.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/path.h"

/* Streaming writes in chunks of this size: small enough to stay in cache. */
#define CHUNK (256 * 1024)

void xf_jsonw_init(struct xf_jsonw *w, size_t hint)
{
    memset(w, 0, sizeof *w);
    xf_buf_init(&w->out, hint > 4096 ? hint : 4096);
    xf_buf_init(&w->scratch, 0);
    w->fd = -1;
    w->first[0] = true;
}

int xf_jsonw_init_file(struct xf_jsonw *w, const char *dir, const char *name)
{
    xf_jsonw_init(w, CHUNK);
    struct xf_buf b = XF_BUF_INIT;
    if (dir && *dir) {
        int e = xf_mkdirs(dir);
        if (e < 0)
            return e;
        xf_buf_addf(&b, "%s/%s", dir, name);
    } else {
        xf_buf_adds(&b, name);
    }
    w->path = xf_buf_detach(&b, NULL);
    xf_buf_addf(&b, "%s.tmp%ld", w->path, (long)getpid());
    w->tmp = xf_buf_detach(&b, NULL);
    w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    return w->fd < 0 ? -errno : 0;
}

/* Writes out what the buffer holds (streaming only); keeps the first error. */
static void flush(struct xf_jsonw *w)
{
    const char *p = w->out.ptr;
    size_t len = w->out.len;
    while (len && !w->err) {
        ssize_t n = write(w->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            w->err = -errno;
        else
            p += n, len -= (size_t)n;
    }
    w->out.len = 0;
}

void xf_jsonw_make_room(struct xf_jsonw *w, size_t n)
{
    if (w->fd >= 0 && w->out.len)
        flush(w);
    if (w->out.cap - w->out.len <= n)
        xf_buf_grow(&w->out, n);
}

int xf_jsonw_commit(struct xf_jsonw *w)
{
    if (w->fd < 0)
        return w->err ? w->err : -EBADF;
    flush(w);
    if (close(w->fd) < 0 && !w->err)
        w->err = -errno;
    w->fd = -1;
    if (!w->err && rename(w->tmp, w->path) < 0)
        w->err = -errno;
    if (w->err)
        unlink(w->tmp);
    free(w->tmp);
    w->tmp = NULL;
    return w->err;
}

void xf_jsonw_release(struct xf_jsonw *w)
{
    if (w->fd >= 0) {
        close(w->fd);
        unlink(w->tmp);
        w->fd = -1;
    }
    free(w->path);
    free(w->tmp);
    w->path = w->tmp = NULL;
    xf_buf_release(&w->out);
    xf_buf_release(&w->scratch);
}

void xf_jsonw_finish(struct xf_jsonw *w)
{
    xf_jsonw_room(w, 0);
    w->out.ptr[w->out.len] = '\0';
}

/* ---- strings --------------------------------------------------------------- */

#define U8(x) x, x, x, x, x, x, x, x
#define U16(x) U8(x), U8(x)
#define U64(x) U16(x), U16(x), U16(x), U16(x)

/*
 * What each byte becomes: 0 copied as is; for the ASCII that must be
 * escaped the letter after the backslash ('u' for \u00XX); 1 for a byte
 * of a multi-byte UTF-8 sequence (or an invalid byte).
 */
static const unsigned char esc[256] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u', /* 0x00 */
    U16('u'),                                                                     /* 0x10 */
    0,   0,   '"', 0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   /* 0x20 */
    U16(0),                                                                       /* 0x30 */
    U16(0),                                                                       /* 0x40 */
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   '\\', 0,  0,   0,   /* 0x50 */
    U16(0),                                                                       /* 0x60 */
    U16(0),                                                                       /* 0x70 */
    U64(1),                                                                       /* 0x80 */
    U64(1),                                                                       /* 0xc0 */
};

static const char hexdig[] = "0123456789ABCDEF";

static inline uint64_t load8(const unsigned char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

static inline uint32_t load4(const unsigned char *p)
{
    uint32_t x;
    memcpy(&x, p, 4);
    return x;
}

/* Nonzero when a byte of x needs escaping: >= 0x80, < 0x20, '"' or '\\'. */
static inline uint64_t special8(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
    return (x | ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b)) & highs;
}

/*
 * Copies a short string (len <= 16) that needs no escaping to o, with two
 * overlapping loads and stores; false (nothing written) when it needs some.
 */
static inline bool short_plain(char *o, const unsigned char *s, size_t len)
{
    if (len >= 8) {
        uint64_t a = load8(s), b = load8(s + len - 8);
        if (special8(a) | special8(b))
            return false;
        memcpy(o, &a, 8);
        memcpy(o + len - 8, &b, 8);
    } else if (len >= 4) {
        uint32_t a = load4(s), b = load4(s + len - 4);
        if (special8(a | (uint64_t)b << 32))
            return false;
        memcpy(o, &a, 4);
        memcpy(o + len - 4, &b, 4);
    } else if (len) {
        uint64_t x = s[0] | (uint64_t)s[len / 2] << 8 | (uint64_t)s[len - 1] << 16 |
                     0x2020202020000000u; /* the other bytes: spaces */
        if (special8(x))
            return false;
        o[0] = (char)s[0];
        o[len / 2] = (char)s[len / 2];
        o[len - 1] = (char)s[len - 1];
    }
    return true;
}

/* How many leading bytes of s need no escaping (printable ASCII but " and \\). */
static inline size_t plain_run(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (len - i >= 8 && !special8(load8(s + i)))
        i += 8;
    if (len - i < 8 && len >= 8 && !special8(load8(s + len - 8)))
        return len; /* the tail, as the last (overlapping) word */
    while (i < len && !esc[s[i]])
        i++;
    return i;
}

/* The length of the valid UTF-8 sequence at s (strict, as jansson), or 0. */
static inline size_t utf8_seq(const unsigned char *s, size_t avail)
{
    unsigned c = s[0];
    if (c < 0xc2)
        return 0; /* a continuation byte, or an overlong 2-byte form */
    if (c < 0xe0)
        return avail >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c < 0xf0) {
        unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        return avail >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
    }
    if (c < 0xf5) {
        unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        return avail >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 &&
                       (s[3] & 0xc0) == 0x80
                   ? 4
                   : 0;
    }
    return 0;
}

/* Appends the escaped content of s (no quotes). */
static void escape_into(struct xf_jsonw *w, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    struct xf_buf *b = &w->out;
    /* room for the rest at one byte per byte; escapes ask for more */
    char *o = xf_jsonw_room(w, len);
    if (len <= 16 && short_plain(o, s, len)) {
        b->len += len;
        return;
    }
    size_t i = 0;
    for (;;) {
        size_t r = plain_run(s + i, len - i);
        memcpy(o, s + i, r);
        o += r;
        i += r;
        if (i >= len)
            break;
        b->len = (size_t)(o - b->ptr);
        o = xf_jsonw_room(w, len - i + 6);
        unsigned char c = s[i];
        if (c < 0x80) {
            unsigned char e = esc[c];
            *o++ = '\\';
            *o++ = (char)e;
            if (e == 'u') {
                *o++ = '0';
                *o++ = '0';
                *o++ = hexdig[c >> 4];
                *o++ = hexdig[c & 15];
            }
            i++;
            continue;
        }
        size_t n = utf8_seq(s + i, len - i);
        if (n) {
            memcpy(o, s + i, n);
            o += n;
            i += n;
        } else {
            memcpy(o, "\xef\xbf\xbd", 3); /* U+FFFD for each bad byte */
            o += 3;
            i++;
        }
    }
    b->len = (size_t)(o - b->ptr);
}

static inline void quoted(struct xf_jsonw *w, const char *s, size_t len)
{
    xf_jsonw_room(w, len + 2);
    w->out.ptr[w->out.len++] = '"';
    escape_into(w, s, len);
    xf_jsonw_room(w, 1);
    w->out.ptr[w->out.len++] = '"';
}

void xf_json_escape(struct xf_buf *out, const char *s, size_t len)
{
    struct xf_jsonw w;
    xf_jsonw_init(&w, 0);
    xf_buf_release(&w.out);
    w.out = *out; /* borrowed: handed back below */
    quoted(&w, s ? s : "", s ? len : 0);
    xf_jsonw_finish(&w);
    *out = w.out;
    w.out = (struct xf_buf)XF_BUF_INIT;
    xf_jsonw_release(&w);
}

void xf_jsonw_key_strn(struct xf_jsonw *w, const char *key, size_t len)
{
    char *o = xf_jsonw_room(w, 1);
    if (!w->first[w->depth]) {
        *o = ',';
        w->out.len++;
    }
    w->first[w->depth] = false;
    quoted(w, key ? key : "", key ? len : 0);
    xf_jsonw_room(w, 1);
    w->out.ptr[w->out.len++] = ':';
    w->after_key = true;
}

void xf_jsonw_strn(struct xf_jsonw *w, const char *s, size_t len)
{
    xf_jsonw_before_value(w);
    if (!s)
        xf_jsonw_put(w, "null", 4);
    else
        quoted(w, s, len);
}

void xf_jsonw_str_begin(struct xf_jsonw *w)
{
    xf_jsonw_before_value(w);
    xf_jsonw_put(w, "\"", 1);
}

void xf_jsonw_str_partn(struct xf_jsonw *w, const char *s, size_t len)
{
    escape_into(w, s, len);
}

void xf_jsonw_str_end(struct xf_jsonw *w)
{
    xf_jsonw_put(w, "\"", 1);
}

/* ---- numbers --------------------------------------------------------------- */

size_t xf_json_int(char out[24], long long v)
{
    char tmp[24];
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    size_t n = 0, k = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        out[k++] = '-';
    while (n)
        out[k++] = tmp[--n];
    out[k] = '\0';
    return k;
}

size_t xf_json_real(char out[32], double d)
{
    if (!isfinite(d))
        return 0;
    int n = snprintf(out, 32, "%.17g", d);
    if (n <= 0 || n >= 28)
        return 0; /* cannot happen for a finite double */
    size_t len = (size_t)n;
    bool dot = false;
    char *e = NULL;
    for (size_t i = 0; i < len; i++) {
        if (out[i] == ',')
            out[i] = '.'; /* a locale's decimal comma, as jansson undoes it */
        if (out[i] == '.')
            dot = true;
        else if (out[i] == 'e')
            e = out + i;
    }
    if (!dot && !e) {
        memcpy(out + len, ".0", 3);
        return len + 2;
    }
    if (e) {
        /* e+17 -> e17, e-07 -> e-7 */
        char *start = e + 1, *end = e + 2;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, (size_t)(out + len - end) + 1);
            len -= (size_t)(end - start);
        }
    }
    return len;
}

void xf_jsonw_int(struct xf_jsonw *w, long long i)
{
    xf_jsonw_before_value(w);
    char *o = xf_jsonw_room(w, 24);
    w->out.len += xf_json_int(o, i);
}

void xf_jsonw_real(struct xf_jsonw *w, double d)
{
    xf_jsonw_before_value(w);
    char *o = xf_jsonw_room(w, 32);
    size_t n = xf_json_real(o, d);
    if (n)
        w->out.len += n;
    else
        xf_jsonw_put(w, "null", 4);
}

/* ---- values ---------------------------------------------------------------- */

void xf_jsonw_value(struct xf_jsonw *w, const struct xf_value *v)
{
    if (!v) {
        xf_jsonw_null(w);
        return;
    }
    switch (v->t) {
    case XF_V_UNDEF:
    case XF_V_NONE:
        xf_jsonw_null(w);
        return;
    case XF_V_BOOL:
        xf_jsonw_bool(w, v->u.b);
        return;
    case XF_V_INT:
        xf_jsonw_int(w, (long long)v->u.i);
        return;
    case XF_V_FLOAT:
        xf_jsonw_real(w, v->u.f);
        return;
    case XF_V_STR:
        xf_jsonw_strn(w, v->u.s.p ? v->u.s.p : "", v->u.s.p ? v->u.s.len : 0);
        return;
    case XF_V_LIST:
        xf_jsonw_open_array(w);
        for (size_t i = 0; v->u.l && i < v->u.l->n; i++)
            xf_jsonw_value(w, &v->u.l->items[i]);
        xf_jsonw_close_array(w);
        return;
    case XF_V_DICT:
        xf_jsonw_open_object(w);
        for (size_t i = 0; v->u.d && i < v->u.d->n; i++) {
            const struct xf_dict_ent *e = &v->u.d->ents[i];
            xf_jsonw_key_strn(w, e->key.p, e->key.len);
            xf_jsonw_value(w, &e->val);
        }
        xf_jsonw_close_object(w);
        return;
    default:
        xf_buf_reset(&w->scratch);
        xf_value_str(&w->scratch, v);
        xf_jsonw_strn(w, w->scratch.ptr, w->scratch.len);
        return;
    }
}

static int append_cb(const char *buffer, size_t size, void *data)
{
    xf_buf_add(data, buffer, size);
    return 0;
}

void xf_jsonw_json(struct xf_jsonw *w, const json_t *j)
{
    xf_jsonw_before_value(w);
    if (!j)
        xf_jsonw_put(w, "null", 4);
    else if (json_is_string(j))
        quoted(w, json_string_value(j), json_string_length(j));
    else
        json_dump_callback(j, append_cb, &w->out, JSON_COMPACT | JSON_ENCODE_ANY);
}
