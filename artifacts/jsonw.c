// SPDX-License-Identifier: MIT
/*
 * Streaming JSON writer: structure, strings and numbers written straight
 * into the output buffer. Strings are checked 16 bytes at a time (SSE2;
 * 8 with plain C elsewhere) and escaped through one table; reals are
 * formatted in exact integer arithmetic. The escapes and number forms are
 * jansson's, so the documents are the bytes a jansson tree would dump.
 */
#include "artifacts/jsonw.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "util/path.h"

/* Streaming writes in chunks of this size: small enough to stay in cache. */
#define CHUNK (256 * 1024)

void xf_jsonw_init(struct xf_jsonw *w, size_t hint)
{
    memset(w, 0, sizeof *w);
    xf_buf_init(&w->out, hint > 4096 ? hint : 4096);
#if defined(MADV_HUGEPAGE)
    if (hint >= (8u << 20)) {
        /* tens of MB written once: fault them in 2 MB at a time, not 4 kB */
        uintptr_t huge = 2u << 20, a = ((uintptr_t)w->out.ptr + huge - 1) & ~(huge - 1);
        uintptr_t end = ((uintptr_t)w->out.ptr + w->out.cap) & ~(huge - 1);
        if (end > a)
            madvise((void *)a, end - a, MADV_HUGEPAGE);
    }
#endif
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
    /* A temporary file next to the document, renamed over it by
     * xf_jsonw_commit: readers and the next run see the old document or the
     * new one, never half of one. Unique per process and per call; a
     * file left by a killed process with the same pid is truncated. */
    static atomic_uint seq;
    xf_buf_addf(&b, "%s.tmp%ld.%u", w->path, (long)getpid(), atomic_fetch_add(&seq, 1));
    w->tmp = xf_buf_detach(&b, NULL);
    w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    return w->fd < 0 ? -errno : 0;
}

/* Writes p[0..len) to the file (streaming only); keeps the first error. */
static void write_out(struct xf_jsonw *w, const char *p, size_t len)
{
    while (len && !w->err) {
        ssize_t n = write(w->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            w->err = -errno;
        else
            p += n, len -= (size_t)n;
    }
}

static void flush(struct xf_jsonw *w)
{
    write_out(w, w->out.ptr, w->out.len);
    w->out.len = 0;
}

int xf_jsonw_init_spill(struct xf_jsonw *w, const char *dir)
{
    xf_jsonw_init(w, CHUNK);
    const char *d = dir && *dir ? dir : ".";
    int e = xf_mkdirs(d);
    if (e < 0)
        return e;
    w->fd = open(d, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (w->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
        /* a file system without O_TMPFILE: an unlinked ordinary file */
        struct xf_buf b = XF_BUF_INIT;
        xf_buf_addf(&b, "%s/.xform-spill-XXXXXX", d);
        w->fd = mkostemp(b.ptr, O_CLOEXEC);
        if (w->fd >= 0)
            unlink(b.ptr);
        xf_buf_release(&b);
    }
    return w->fd < 0 ? -errno : 0;
}

/* Copies what a spilled part wrote into w's file, in the kernel when it can. */
static void append_spilled(struct xf_jsonw *w, struct xf_jsonw *part)
{
    flush(part);
    if (part->err) {
        w->err = w->err ? w->err : part->err;
        return;
    }
    off_t end = lseek(part->fd, 0, SEEK_CUR), in = 0;
    while (in < end && !w->err) {
        ssize_t n = copy_file_range(part->fd, &in, w->fd, NULL, (size_t)(end - in), 0);
        if (n > 0)
            continue;
        if (n < 0 && errno == EINTR)
            continue;
        /* no in-kernel copy here (or an error): read and write */
        char *buf = xf_malloc(CHUNK);
        while (in < end && !w->err) {
            ssize_t r = pread(part->fd, buf, CHUNK, in);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                w->err = r < 0 ? -errno : -EIO;
                break;
            }
            write_out(w, buf, (size_t)r);
            in += r;
        }
        free(buf);
    }
}

void xf_jsonw_append(struct xf_jsonw *w, struct xf_jsonw *part)
{
    if (w->fd >= 0) {
        flush(w);
        if (part->fd >= 0)
            append_spilled(w, part);
        else
            write_out(w, part->out.ptr, part->out.len);
    } else {
        xf_buf_add(&w->out, part->out.ptr, part->out.len);
    }
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
        if (w->tmp) /* a spill file has no name */
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
/* clang-format off */
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
/* clang-format on */

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
 * The index of the first byte special8() flagged. A flag can be wrong
 * only above a right one (a borrow runs upwards), so the lowest is exact.
 */
static inline __attribute__((unused)) size_t first_flagged(uint64_t m)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (size_t)__builtin_clzll(m) / 8;
#else
    return (size_t)__builtin_ctzll(m) / 8;
#endif
}

/* Copies n <= 16 bytes with overlapping loads and stores (no library call). */
static inline void copy_small(char *o, const unsigned char *p, size_t n)
{
    if (n >= 8) {
        uint64_t a = load8(p), b = load8(p + n - 8);
        memcpy(o, &a, 8);
        memcpy(o + n - 8, &b, 8);
    } else if (n >= 4) {
        uint32_t a = load4(p), b = load4(p + n - 4);
        memcpy(o, &a, 4);
        memcpy(o + n - 4, &b, 4);
    } else if (n) {
        o[0] = (char)p[0];
        o[n / 2] = (char)p[n / 2];
        o[n - 1] = (char)p[n - 1];
    }
}

#if defined(__SSE2__)
/* One bit per byte of v that needs escaping. */
static inline unsigned special_v(__m128i v)
{
    /* a signed compare with 0x20 flags both the control bytes and every byte >= 0x80 */
    __m128i m = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
        _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
    return (unsigned)_mm_movemask_epi8(m);
}

/* One bit per byte of the 16 at p that needs escaping. */
static inline unsigned special16(const unsigned char *p)
{
    return special_v(_mm_loadu_si128((const __m128i *)(const void *)p));
}
#endif

/*
 * Copies a short string (len <= 16) that needs no escaping to o; false
 * (nothing written) when it needs some.
 */
static inline bool short_plain(char *o, const unsigned char *s, size_t len)
{
    bool special;
#if defined(__SSE2__)
    if (len >= 8) {
        __m128i a = _mm_loadl_epi64((const __m128i *)(const void *)s);
        __m128i b = _mm_loadl_epi64((const __m128i *)(const void *)(s + len - 8));
        special = special_v(_mm_unpacklo_epi64(a, b)) != 0;
    } else if (len >= 4) {
        __m128i v = _mm_set_epi32(0, 0, (int)load4(s + len - 4), (int)load4(s));
        special = (special_v(v) & 0xff) != 0;
    }
#else
    if (len >= 8)
        special = (special8(load8(s)) | special8(load8(s + len - 8))) != 0;
    else if (len >= 4)
        special = special8(load4(s) | (uint64_t)load4(s + len - 4) << 32) != 0;
#endif
    else if (len)
        special = special8(s[0] | (uint64_t)s[len / 2] << 8 | (uint64_t)s[len - 1] << 16 |
                           0x2020202020000000u) != 0; /* the other bytes: spaces */
    else
        return true;
    if (special)
        return false;
    copy_small(o, s, len);
    return true;
}

/*
 * Copies the bytes of s from s[i] up to the first that needs escaping (or
 * the end, len) to o and returns how many. It may write up to 15 bytes
 * more at o, never past o + (len - i), which the caller overwrites.
 */
static inline size_t copy_plain(char *o, const unsigned char *s, size_t i, size_t len)
{
    const unsigned char *p = s + i;
    size_t n = 0, rest = len - i;
#if defined(__SSE2__)
    for (; rest - n >= 16; n += 16) {
        _mm_storeu_si128((__m128i *)(void *)(o + n),
                         _mm_loadu_si128((const __m128i *)(const void *)(p + n)));
        unsigned mask = special16(p + n);
        if (mask)
            return n + (size_t)__builtin_ctz(mask);
    }
    if (n < rest && len >= 16) {
        /* the tail, as the last 16 bytes of s: those before p + n were seen */
        size_t k = rest - n;
        unsigned mask = special16(s + len - 16) >> (16 - k);
        size_t c = mask ? (size_t)__builtin_ctz(mask) : k;
        copy_small(o + n, p + n, c);
        return n + c;
    }
#else
    for (; rest - n >= 8; n += 8) {
        uint64_t x = load8(p + n), m = special8(x);
        memcpy(o + n, &x, 8);
        if (m)
            return n + first_flagged(m);
    }
#endif
    while (n < rest && !esc[p[n]]) {
        o[n] = (char)p[n];
        n++;
    }
    return n;
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

/* The part of a string from its first byte that needs escaping. */
static void escape_slow(struct xf_jsonw *w, const unsigned char *s, size_t len, size_t i)
{
    enum { BATCH = 64 }; /* escapes between two checks for room */
    struct xf_buf *b = &w->out;
    char *o = b->ptr + b->len;
    unsigned budget = 0;
    for (;;) {
        if (!budget--) {
            /* room for the rest as is and BATCH escapes of up to 6 bytes */
            b->len = (size_t)(o - b->ptr);
            o = xf_jsonw_room(w, len - i + 6 * BATCH);
            budget = BATCH - 1;
        }
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
        } else {
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
        size_t r = copy_plain(o, s, i, len);
        o += r;
        i += r;
        if (i >= len)
            break;
    }
    b->len = (size_t)(o - b->ptr);
}

/* Appends the escaped content of s (no quotes). */
static inline void escape_into(struct xf_jsonw *w, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    /* room for all of it at one byte per byte; escapes ask for more */
    char *o = xf_jsonw_room(w, len);
    size_t r = len <= 16 && short_plain(o, s, len) ? len : copy_plain(o, s, 0, len);
    w->out.len += r;
    if (r < len)
        escape_slow(w, s, len, r);
}

static inline void quoted(struct xf_jsonw *w, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    /* one check for room covers the common case: nothing to escape */
    char *o = xf_jsonw_room(w, len + 2);
    *o++ = '"';
    size_t r = len <= 16 && short_plain(o, s, len) ? len : copy_plain(o, s, 0, len);
    if (r == len) {
        o[len] = '"';
        w->out.len += len + 2;
        return;
    }
    w->out.len += 1 + r;
    escape_slow(w, s, len, r);
    xf_jsonw_room(w, 1);
    w->out.ptr[w->out.len++] = '"';
}

void xf_jsonw_quoted(struct xf_jsonw *w, const char *s, size_t len)
{
    quoted(w, s ? s : "", s ? len : 0);
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

/* The general way: printf, then jansson's touches. */
static size_t real_printf(char out[32], double d)
{
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

/*
 * The 17 significant digits of d > 0 as "%.17g" rounds them (exactly, ties
 * to even): the integer n in [1e16, 1e17) and the power of ten of its first
 * digit. Exact 128-bit arithmetic covers 1e-11 <= d < 1e17, which is every
 * duration and time stamp; false for the rest, left to printf.
 */
#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 u128;

static bool digits17(double d, uint64_t *n_out, int *e10_out)
{
    /* clang-format off */
    static const uint64_t pow5[28] = {
        1u, 5u, 25u, 125u, 625u, 3125u, 15625u, 78125u, 390625u, 1953125u, 9765625u,
        48828125u, 244140625u, 1220703125u, 6103515625u, 30517578125u, 152587890625u,
        762939453125u, 3814697265625u, 19073486328125u, 95367431640625u, 476837158203125u,
        2384185791015625u, 11920928955078125u, 59604644775390625u, 298023223876953125u,
        1490116119384765625u, 7450580596923828125u};
    /* clang-format on */
    const uint64_t lo = 10000000000000000u, hi = 100000000000000000u;
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    int be = (int)((bits >> 52) & 0x7ff);
    if (be == 0 || be == 0x7ff)
        return false;
    uint64_t m = (bits & ((1ull << 52) - 1)) | 1ull << 52;
    int e2 = be - 1075; /* d = m * 2^e2 */
    /* floor(log10(2^(e2+52))), one below the answer at most */
    int t = (e2 + 52) * 78913;
    int e10 = t >= 0 ? t >> 18 : -((-t + (1 << 18) - 1) >> 18);
    for (int tries = 0; tries < 3; tries++) {
        int p = 16 - e10; /* n = d * 10^p = m * 5^p * 2^(e2+p) */
        if (p < 0 || p > 27)
            return false;
        u128 x = (u128)m * pow5[p];
        int s = e2 + p;
        uint64_t q;
        bool up = false;
        if (s >= 0) {
            if (s > 8 || (x << s) >> 64)
                return false;
            q = (uint64_t)(x << s);
        } else {
            if (-s >= 127)
                return false;
            u128 qq = x >> -s, r = x - (qq << -s), half = (u128)1 << (-s - 1);
            if (qq >> 64)
                return false;
            q = (uint64_t)qq;
            up = r > half || (r == half && (q & 1));
        }
        if (q < lo) {
            e10--;
            continue;
        }
        if (q >= hi) {
            e10++;
            continue;
        }
        q += up;
        if (q == hi) {
            q = lo;
            e10++;
        }
        *n_out = q;
        *e10_out = e10;
        return true;
    }
    return false;
}
#else
static bool digits17(double d, uint64_t *n_out, int *e10_out)
{
    return false; /* no 128-bit integers: printf does it all */
}
#endif

/* jansson's form of digits17(): %g's choice of layout, trailing zeros cut. */
static size_t format17(char *out, bool neg, uint64_t n, int e10)
{
    char dg[17];
    for (int i = 16; i >= 0; i--) {
        dg[i] = (char)('0' + n % 10);
        n /= 10;
    }
    int nd = 17; /* significant digits left once trailing zeros are cut */
    while (nd > 1 && dg[nd - 1] == '0')
        nd--;
    char *o = out;
    if (neg)
        *o++ = '-';
    if (e10 < -4 || e10 >= 17) {
        *o++ = dg[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, dg + 1, (size_t)nd - 1);
            o += nd - 1;
        }
        *o++ = 'e';
        unsigned ex = (unsigned)(e10 < 0 ? -e10 : e10);
        if (e10 < 0)
            *o++ = '-';
        if (ex >= 100)
            *o++ = (char)('0' + ex / 100);
        if (ex >= 10)
            *o++ = (char)('0' + ex / 10 % 10);
        *o++ = (char)('0' + ex % 10);
    } else if (e10 >= 0) {
        memcpy(o, dg, (size_t)e10 + 1);
        o += e10 + 1;
        *o++ = '.';
        if (nd > e10 + 1) {
            memcpy(o, dg + e10 + 1, (size_t)(nd - e10 - 1));
            o += nd - e10 - 1;
        } else {
            *o++ = '0'; /* jansson's ".0" */
        }
    } else {
        *o++ = '0';
        *o++ = '.';
        for (int z = -1; z > e10; z--)
            *o++ = '0';
        memcpy(o, dg, (size_t)nd);
        o += nd;
    }
    *o = '\0';
    return (size_t)(o - out);
}

size_t xf_json_real(char out[32], double d)
{
    if (!isfinite(d))
        return 0;
    uint64_t n;
    int e10;
    if (digits17(d < 0 ? -d : d, &n, &e10))
        return format17(out, d < 0, n, e10);
    return real_printf(out, d);
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
