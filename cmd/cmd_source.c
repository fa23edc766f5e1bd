// SPDX-License-Identifier: MIT
/*
 * `xform source freshness`: checks the selected sources' freshness,
 * prints a dbt-style line per source, writes target/sources.json and
 * exits 1 when a source is stale past error_after or cannot be checked.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "util/path.h"

static void line(const struct xf_cli *cli, size_t i, size_t total, const char *what,
                 const char *status, const char *color)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%zu of %zu %s", i, total, what);
    size_t len = strlen(msg);
    int dots = len < 70 ? (int)(70 - len) : 3;
    char dotbuf[80];
    memset(dotbuf, '.', (size_t)dots);
    dotbuf[dots] = 0;
    if (cli->color && color)
        xf_console_line(cli, "%s %s [%s%s\033[0m]", msg, dotbuf, color, status);
    else
        xf_console_line(cli, "%s %s [%s]", msg, dotbuf, status);
}

static void ev_start(void *user, size_t i, size_t total, const struct xf_node *n)
{
    char what[400];
    snprintf(what, sizeof what, "START freshness of %s.%s", n->source_name, n->name);
    line(user, i, total, what, "RUN", NULL);
}

static void ev_done(void *user, size_t i, size_t total, const struct xf_freshness *f)
{
    char what[400], st[64];
    const char *word = f->status == XF_ST_PASS    ? "PASS"
                       : f->status == XF_ST_WARN  ? "WARN"
                       : f->status == XF_ST_ERROR ? "ERROR STALE"
                                                  : "ERROR";
    const char *color = f->status == XF_ST_PASS   ? "\033[32m"
                        : f->status == XF_ST_WARN ? "\033[33m"
                                                  : "\033[31m";
    snprintf(what, sizeof what, "%s freshness of %s.%s", word, f->source->source_name,
             f->source->name);
    snprintf(st, sizeof st, "%s in %.2fs", word, f->completed - f->started);
    line(user, i, total, what, st, color);
}

int xf_cmd_source(struct xf_cli *cli)
{
    if (cli->positional.n != 1 || strcmp(cli->positional.v[0], "freshness")) {
        fprintf(stderr, "error: usage: xform source freshness [--select ...]\n");
        return XF_EXIT_USAGE;
    }
    struct xf_diags d;
    xf_diags_init(&d);
    struct xf_session *s = NULL;
    bool *sel = NULL;
    struct xf_freshness *res = NULL;
    int code = XF_EXIT_USAGE;
    double t0 = xf_cli_now();
    if (xf_cmd_open(cli, &s, &d) < 0)
        goto done;
    xf_console_found(cli, s);
    struct xf_graph *g = xf_session_graph(s);
    sel = xf_calloc(g->n + 1, sizeof *sel);
    int named = xf_cmd_named_selection(cli, s, true, sel, &d);
    if (named < 0 || (named == 0 && xf_graph_select(g, cli->select.v, cli->select.n, cli->exclude.v,
                                                    cli->exclude.n, sel, &d) < 0)) {
        xf_console_diags(cli, &d);
        goto done;
    }
    struct xf_events ev;
    memset(&ev, 0, sizeof ev);
    ev.user = cli;
    ev.begin = xf_console_begin;
    ev.node_start = ev_start;
    ev.freshness_done = ev_done;
    size_t n = 0;
    int rc = xf_session_freshness(s, sel, &ev, &res, &n);
    xf_console_diags(cli, &d);
    if (rc < 0)
        goto done;
    if (n == 0)
        xf_console_line(cli, "No sources with a freshness policy and a loaded_at_field were "
                             "selected");
    struct xf_project *p = xf_session_project(s);
    struct xf_arena a;
    xf_arena_init(&a);
    char *tdir = xf_path_join(&a, p->root, p->target_path ? p->target_path : "target");
    struct xf_invocation *inv = xf_session_invocation(s);
    inv->command = "source freshness";
    int we = xf_cli_write_json(cli) ? xf_write_sources(tdir, inv, res, n, xf_cli_now() - t0) : 0;
    if (we < 0)
        xf_console_write_error(tdir, "sources.json", -we);
    xf_arena_release(&a);
    size_t pass = 0, warn = 0, err = 0;
    for (size_t i = 0; i < n; i++) {
        if (res[i].status == XF_ST_PASS)
            pass++;
        else if (res[i].status == XF_ST_WARN)
            warn++;
        else
            err++;
        if (res[i].status == XF_ST_RUNTIME_ERROR)
            fprintf(stderr, "error: freshness of %s.%s: %s\n", res[i].source->source_name,
                    res[i].source->name, res[i].error);
    }
    xf_console_line(cli, "%s", "");
    xf_console_line(cli, "Done. PASS=%zu WARN=%zu ERROR=%zu SKIP=0 TOTAL=%zu", pass, warn, err, n);
    code = rc || we < 0 ? XF_EXIT_FAIL : XF_EXIT_OK;
done:
    free(res);
    free(sel);
    xf_session_free(s);
    xf_diags_release(&d);
    return code;
}
