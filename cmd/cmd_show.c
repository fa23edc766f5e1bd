// SPDX-License-Identifier: MIT
/*
 * `xform show --select NAME [--limit N]` and `xform show --inline SQL`:
 * the first rows of a model's query as a table, without building it.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"

static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80; /* count UTF-8 characters */
    return w;
}

static void row(const char *const *cells, const size_t *w, size_t n)
{
    fputs("|", stdout);
    for (size_t i = 0; i < n; i++)
        printf(" %s%*s |", cells[i], (int)(w[i] - width(cells[i])), "");
    fputc('\n', stdout);
}

int xf_cmd_show(struct xf_cli *cli)
{
    if ((cli->select.n != 1) == !cli->inline_sql) {
        fprintf(stderr, "error: give one model with --select NAME, or a query with --inline\n");
        return XF_EXIT_USAGE;
    }
    struct xf_diags d;
    xf_diags_init(&d);
    struct xf_session *s = NULL;
    int code = XF_EXIT_USAGE;
    if (xf_cmd_open(cli, &s, &d) < 0)
        goto done;
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_result res;
    memset(&res, 0, sizeof res);
    struct xf_buf sql = XF_BUF_INIT;
    long limit = cli->limit > 0 ? cli->limit : 5;
    int e = xf_session_show(s, cli->inline_sql ? NULL : cli->select.v[0], cli->inline_sql, limit,
                            &a, &res, &sql);
    xf_console_diags(cli, &d);
    if (e < 0) {
        code = XF_EXIT_FAIL;
    } else {
        const char **cells = xf_arena_alloc(&a, (res.nrows + 1) * res.ncols * sizeof *cells + 1);
        size_t *w = xf_arena_zalloc(&a, res.ncols * sizeof *w + 1);
        for (size_t j = 0; j < res.ncols; j++) {
            cells[j] = res.colnames[j];
            w[j] = width(cells[j]);
        }
        for (size_t i = 0; i < res.nrows; i++) {
            for (size_t j = 0; j < res.ncols; j++) {
                struct xf_buf b = XF_BUF_INIT;
                const struct xf_value *v = &res.cells[i * res.ncols + j];
                if (v->t == XF_V_NONE)
                    xf_buf_adds(&b, "NULL");
                else
                    xf_value_str(&b, v);
                const char *c = xf_arena_strndup(&a, b.ptr, b.len);
                xf_buf_release(&b);
                cells[(i + 1) * res.ncols + j] = c;
                if (width(c) > w[j])
                    w[j] = width(c);
            }
        }
        xf_console_line(cli, "Previewing %s:", cli->inline_sql ? "inline node" : cli->select.v[0]);
        row(cells, w, res.ncols);
        fputs("|", stdout);
        for (size_t j = 0; j < res.ncols; j++) {
            for (size_t k = 0; k < w[j] + 2; k++)
                fputc('-', stdout);
            fputs("|", stdout);
        }
        fputc('\n', stdout);
        for (size_t i = 0; i < res.nrows; i++)
            row(cells + (i + 1) * res.ncols, w, res.ncols);
        code = XF_EXIT_OK;
    }
    xf_buf_release(&sql);
    xf_arena_release(&a);
done:
    xf_session_free(s);
    xf_diags_release(&d);
    return code;
}
