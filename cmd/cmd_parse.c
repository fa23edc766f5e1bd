// SPDX-License-Identifier: MIT
/*
 * `xform parse`: load and check the whole project (templates rendered in
 * parse mode, refs resolved, cycles checked) and write manifest.json.
 */
#include <string.h>

#include "cmd/cli.h"
#include "util/path.h"

int xf_cmd_parse(struct xf_cli *cli)
{
    struct xf_diags d;
    xf_diags_init(&d);
    struct xf_session *s = NULL;
    int code = XF_EXIT_USAGE;
    double t0 = xf_cli_now();
    if (xf_pp_try(cli, &code))
        return code; /* nothing changed since the same parse: its manifest stands */
    xf_pp_begin(cli);
    if (xf_cmd_open(cli, &s, &d) < 0)
        goto done;
    struct xf_project *p = xf_session_project(s);
    struct xf_arena a;
    xf_arena_init(&a);
    char *tdir = xf_path_join(&a, p->root, p->target_path ? p->target_path : "target");
    struct xf_invocation *inv = xf_session_invocation(s);
    inv->command = "parse";
    inv->argc = cli->argc;
    inv->argv = cli->argv;
    bool write = xf_cli_write_json(cli);
    int e = write ? xf_write_manifest(tdir, p, xf_session_graph(s), inv) : 0;
    if (e < 0) {
        /* parse only loads: a failure of it is a load-time one (2) */
        xf_console_write_error(tdir, "manifest.json", -e);
        xf_arena_release(&a);
        code = XF_EXIT_USAGE;
        goto done;
    }
    if (cli->pp)
        cli->pp->paused = true; /* a replay says it with its own time */
    if (write)
        xf_console_line(cli, "Parsed %zu nodes and %zu sources in %.2fs; wrote %s/manifest.json",
                        p->nodes.n, p->sources.n, xf_cli_now() - t0,
                        p->target_path ? p->target_path : "target");
    else
        xf_console_line(cli,
                        "Parsed %zu nodes and %zu sources in %.2fs (--no-write-json: no "
                        "manifest.json written)",
                        p->nodes.n, p->sources.n, xf_cli_now() - t0);
    xf_arena_release(&a);
    code = XF_EXIT_OK;
done:
    xf_pp_finish(cli, s, s ? xf_session_project(s)->nodes.n : 0, NULL, 0, code == XF_EXIT_OK);
    xf_session_free(s);
    xf_diags_release(&d);
    return code;
}
