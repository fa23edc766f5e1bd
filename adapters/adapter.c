// SPDX-License-Identifier: MIT
/*
 * The adapter registry (profile type -> ops table) and the small helpers
 * every adapter shares: quoting, error positions, SQL trimming and the
 * value parsers used when loading seeds.
 */
#include "adapters/adapter.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "adapters/internal.h"
#include "adapters/postgres.h"
#include "adapters/sqlite.h"

static const struct xf_adapter_ops *const registry[] = {
    &xf_sqlite_ops,
    &xf_postgres_ops,
};

static const char *const names[] = {"sqlite", "postgres", NULL};

const struct xf_adapter_ops *xf_adapter_find(const char *type)
{
    if (!type)
        return NULL;
    for (size_t i = 0; i < sizeof registry / sizeof *registry; i++)
        if (strcmp(registry[i]->name, type) == 0)
            return registry[i];
    return NULL;
}

const char *const *xf_adapter_names(void)
{
    return names;
}

void xf_adapter_quote_dqn(struct xf_buf *out, const char *ident, size_t len)
{
    xf_buf_grow(out, len + 2);
    xf_buf_addch(out, '"');
    const char *p = ident, *end = ident + len;
    while (p < end) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        if (!q) {
            xf_buf_add(out, p, (size_t)(end - p));
            break;
        }
        xf_buf_add(out, p, (size_t)(q - p) + 1);
        xf_buf_addch(out, '"');
        p = q + 1;
    }
    xf_buf_addch(out, '"');
}

void xf_adapter_quote_dq(struct xf_buf *out, const char *ident)
{
    xf_adapter_quote_dqn(out, ident, strlen(ident));
}

void xf_adapter_locate(struct xf_buf *out, const char *text, size_t off)
{
    size_t len = strlen(text);
    if (off > len)
        return;
    size_t line = 1, col = 1;
    for (size_t i = 0; i < off; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n') {
            line++;
            col = 1;
        } else if ((ch & 0xC0) != 0x80) {
            col++;
        }
    }
    xf_buf_addf(out, " (line %zu, column %zu)", line, col);
}

void xf_adapter_excerpt(struct xf_buf *out, const char *text, size_t off)
{
    size_t len = strlen(text);
    if (off > len)
        return;
    size_t bol = off, line = 1;
    while (bol > 0 && text[bol - 1] != '\n')
        bol--;
    for (size_t i = 0; i < bol; i++)
        line += text[i] == '\n';
    size_t eol = off;
    while (eol < len && text[eol] != '\n')
        eol++;
    if (eol > bol && text[eol - 1] == '\r')
        eol--;
    /* the token: a quoted name or string, or a run of word characters */
    size_t tok = 1;
    unsigned char c0 = (unsigned char)text[off];
    if (c0 == '"' || c0 == '\'' || c0 == '`') {
        const char *e = memchr(text + off + 1, c0, eol > off + 1 ? eol - off - 1 : 0);
        tok = e ? (size_t)(e - (text + off)) + 1 : 1;
    } else {
        while (off + tok < eol && (isalnum((unsigned char)text[off + tok]) ||
                                   text[off + tok] == '_' || (text[off + tok] & 0x80)))
            tok++;
    }
    if (off >= eol)
        tok = 1;
    char num[24];
    int w = snprintf(num, sizeof num, "%zu", line);
    xf_buf_addf(out, "\n %s | %.*s\n %*s | ", num, (int)(eol - bol), text + bol, w, "");
    for (size_t i = bol; i < off; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\t')
            xf_buf_addch(out, '\t');
        else if ((ch & 0xC0) != 0x80)
            xf_buf_addch(out, ' ');
    }
    xf_buf_addch(out, '^');
    size_t chars = 0;
    for (size_t i = off + 1; i < off + tok; i++)
        chars += ((unsigned char)text[i] & 0xC0) != 0x80;
    for (size_t i = 0; i < chars; i++)
        xf_buf_addch(out, '~');
}

size_t xf_adapter_char_to_byte(const char *text, size_t chars)
{
    size_t i = 0;
    while (text[i]) {
        if (((unsigned char)text[i] & 0xC0) != 0x80) {
            if (chars == 0)
                return i;
            chars--;
        }
        i++;
    }
    return i;
}

struct xf_str xf_adapter_trim_sql(const char *sql)
{
    size_t n = strlen(sql);
    while (n > 0 && (sql[n - 1] == ';' || sql[n - 1] == ' ' || sql[n - 1] == '\t' ||
                     sql[n - 1] == '\n' || sql[n - 1] == '\r' || sql[n - 1] == '\f'))
        n--;
    return xf_str_n(sql, n);
}

bool xf_adapter_parse_bool(struct xf_str s, bool *out)
{
    static const char *const yes[] = {"true", "t", "yes", "y", "1"};
    static const char *const no[] = {"false", "f", "no", "n", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        if (s.len == strlen(yes[i]) && strncasecmp(s.p, yes[i], s.len) == 0) {
            *out = true;
            return true;
        }
        if (s.len == strlen(no[i]) && strncasecmp(s.p, no[i], s.len) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

bool xf_adapter_parse_int(struct xf_str s, int64_t *out)
{
    char tmp[32];
    if (s.len == 0 || s.len >= sizeof tmp)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        char ch = s.p[i];
        if (!(ch >= '0' && ch <= '9') && !(i == 0 && (ch == '-' || ch == '+') && s.len > 1))
            return false;
    }
    memcpy(tmp, s.p, s.len);
    tmp[s.len] = 0;
    errno = 0;
    char *end;
    long long v = strtoll(tmp, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

bool xf_adapter_parse_real(struct xf_str s, double *out)
{
    char tmp[64];
    if (s.len == 0 || s.len >= sizeof tmp)
        return false;
    bool digit = false;
    for (size_t i = 0; i < s.len; i++) {
        char ch = s.p[i];
        if (ch >= '0' && ch <= '9')
            digit = true;
        else if (ch != '-' && ch != '+' && ch != '.' && ch != 'e' && ch != 'E')
            return false;
    }
    if (!digit)
        return false;
    memcpy(tmp, s.p, s.len);
    tmp[s.len] = 0;
    errno = 0;
    char *end;
    double v = strtod(tmp, &end);
    if (*end || errno == ERANGE)
        return false;
    *out = v;
    return true;
}
