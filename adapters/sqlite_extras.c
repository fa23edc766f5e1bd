// SPDX-License-Identifier: MIT
/*
 * The one relation extra SQLite has: indexes (the indexes config). The
 * index lives in the table's schema file and is named from what it is,
 * so building the table again makes it once. Every SQLite index is a
 * B-tree: another index `type` gets a warning (docs/materializations.md).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "adapters/internal.h"
#include "adapters/sqlite.h"
#include "util/hash.h"

int xf_sqlite_create_index(struct xf_conn *c, const struct xf_relation *r,
                           const struct xf_index *ix, struct xf_buf *executed, struct xf_buf *err)
{
    struct xf_buf key = XF_BUF_INIT, sql = XF_BUF_INIT;
    xf_buf_addf(&key, "%s|%d|", r->identifier, ix->unique);
    for (size_t i = 0; i < ix->ncolumns; i++)
        xf_buf_addf(&key, "%s,", ix->columns[i]);
    char name[33];
    xf_md5_hex(name, key.ptr, key.len);
    xf_buf_addf(&sql, "CREATE %sINDEX IF NOT EXISTS ", ix->unique ? "UNIQUE " : "");
    if (r->schema && *r->schema) {
        xf_adapter_quote_dq(&sql, r->schema);
        xf_buf_addch(&sql, '.');
    }
    xf_buf_addf(&sql, "\"%s\" ON ", name);
    xf_adapter_quote_dq(&sql, r->identifier);
    xf_buf_adds(&sql, " (");
    for (size_t i = 0; i < ix->ncolumns; i++) {
        if (i)
            xf_buf_adds(&sql, ", ");
        xf_adapter_quote_dq(&sql, ix->columns[i]);
    }
    xf_buf_addch(&sql, ')');
    if (executed) {
        xf_buf_adds(executed, sql.ptr);
        xf_buf_adds(executed, ";\n");
    }
    int e = c->ops->exec(c, sql.ptr, err);
    xf_buf_release(&key);
    xf_buf_release(&sql);
    if (e == 0 && ix->type && strcasecmp(ix->type, "btree"))
        return 1;
    return e;
}
