// SPDX-License-Identifier: MIT
/*
 * The staging table that incremental models and snapshots build beside
 * their target inside one transaction: how such a build ends. Kept apart
 * so both builders share it without depending on each other or on
 * materialize.c, which calls them.
 */
#include "engine/internal.h"

int xf_staging_finish(struct xf_conn *c, const struct xf_relation *stage, int e,
                      struct xf_buf *executed, struct xf_buf *err)
{
    if (e == 0) {
        struct xf_buf d = XF_BUF_INIT;
        xf_buf_adds(&d, "drop table ");
        c->ops->render_relation(&d, stage);
        xf_buf_adds(executed, d.ptr);
        xf_buf_adds(executed, ";\n");
        e = c->ops->exec(c, d.ptr, err);
        xf_buf_release(&d);
    }
    if (e == 0)
        e = c->ops->commit(c, err);
    if (e < 0) {
        /* The error that matters is already in err; a failed rollback adds nothing. */
        struct xf_buf ignore = XF_BUF_INIT;
        c->ops->rollback(c, &ignore);
        xf_buf_release(&ignore);
        return -1;
    }
    return 0;
}
