// SPDX-License-Identifier: MIT
/*
 * RFC 4180 CSV for seeds: quoted fields, doubled quotes, embedded newlines,
 * CRLF, a UTF-8 BOM; an empty unquoted field is NULL. A ragged row is an
 * error at its file:line. Column types are inferred from the values.
 */
#ifndef XF_PARSER_CSV_H
#define XF_PARSER_CSV_H

#include <stdbool.h>

#include "util/arena.h"
#include "util/diag.h"
#include "util/str.h"

enum xf_coltype {
    XF_COL_INTEGER,
    XF_COL_REAL,
    XF_COL_BOOLEAN,
    XF_COL_DATE,      /* YYYY-MM-DD */
    XF_COL_TIMESTAMP, /* YYYY-MM-DD[ T]HH:MM:SS[.fff][Z|+hh:mm] */
    XF_COL_TEXT,
};

struct xf_csv {
    size_t ncols, nrows;
    struct xf_str *header;  /* ncols names */
    struct xf_str *cells;   /* nrows * ncols, row-major; p == NULL: NULL */
    size_t *row_offsets;    /* byte offset of each row (for errors) */
    enum xf_coltype *types; /* inferred, ncols */
};

/*
 * Parses src with `delim` (',' by default). Cells point into src or `a`.
 * Returns 0, or -1 with a located error (nothing else is produced).
 */
int xf_csv_parse(struct xf_csv *out, struct xf_arena *a, const struct xf_source *src, char delim,
                 struct xf_diags *diags);

const char *xf_coltype_name(enum xf_coltype t);

#endif
