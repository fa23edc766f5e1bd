// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the adapters and nothing else: identifier quoting,
 * error positions as line:column, trimming a model's SELECT for wrapping,
 * temporary-name rules and value parsing for seeds. Not part of the
 * engine's contract (that is adapter.h).
 */
#ifndef XF_ADAPTERS_INTERNAL_H
#define XF_ADAPTERS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/str.h"

/* Suffix of the relation a replacement is built under. */
#define XF_TMP_SUFFIX "__xform_tmp"
/* Suffix the old relation is renamed to while it is swapped out (postgres). */
#define XF_BACKUP_SUFFIX "__xform_backup"

/* Appends "ident" with embedded double quotes doubled (SQL standard). */
void xf_adapter_quote_dq(struct xf_buf *out, const char *ident);
void xf_adapter_quote_dqn(struct xf_buf *out, const char *ident, size_t len);

/*
 * Appends " (line L, column C)" for the byte offset `off` of `text`;
 * columns count UTF-8 characters from 1. Nothing when off is past the end.
 */
void xf_adapter_locate(struct xf_buf *out, const char *text, size_t off);
/*
 * Appends the line of `text` holding byte `off` and a caret under the token
 * there, as the diagnostics print a source line:
 * "\n 3 |   amount frm x\n   |              ^~~". Nothing past the end.
 */
void xf_adapter_excerpt(struct xf_buf *out, const char *text, size_t off);

/* Byte offset of the `chars`-th character (0-based) of a UTF-8 text. */
size_t xf_adapter_char_to_byte(const char *text, size_t chars);

/*
 * The SQL without trailing white space and semicolons, so that it can be
 * wrapped in `create ... as (...)`.
 */
struct xf_str xf_adapter_trim_sql(const char *sql);

/* true/false, t/f, yes/no, y/n, 1/0 (any case). */
bool xf_adapter_parse_bool(struct xf_str s, bool *out);
/* A whole decimal integer that fits int64 (optional sign, no spaces). */
bool xf_adapter_parse_int(struct xf_str s, int64_t *out);
/* A whole decimal number (digits, sign, point, exponent; no hex, nan, inf). */
bool xf_adapter_parse_real(struct xf_str s, double *out);

/* Each adapter's own macros (ops->macros_sql): <adapter>__X implementations. */
extern const char xf_sqlite_macros_sql[];
extern const char xf_postgres_macros_sql[];

#endif
