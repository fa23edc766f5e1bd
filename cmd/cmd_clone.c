// SPDX-License-Identifier: MIT
/*
 * xform clone --state DIR: for each selected model, seed and snapshot the
 * state run built, a view here over the state's relation (dbt's clone on
 * a warehouse without zero-copy clones; on SQLite a table copy, since its
 * views cannot read another file). Existing relations are kept unless
 * --full-refresh. Writes run_results.json, as dbt.
 */
#include <stdlib.h>

#include "cmd/cli.h"
#include "util/path.h"

int xf_cmd_clone(struct xf_cli *cli)
{
    struct xf_diags d;
    xf_diags_init(&d);
    struct xf_session *s = NULL;
    bool *sel = NULL;
    int code = XF_EXIT_USAGE;
    if (!cli->state) {
        fprintf(stderr, "error: clone needs --state DIR: the artifacts of the run whose "
                        "relations to clone\n"
                        "  hint: xform clone --state prod_target/ --select ...\n");
        goto done;
    }
    if (cli->defer) {
        fprintf(stderr, "error: clone takes no --defer: it always reads the --state run's "
                        "relations\n");
        goto done;
    }
    if (xf_cmd_open(cli, &s, &d) < 0)
        goto done;
    double t0 = xf_cli_now();
    sel = xf_cmd_select_enabled(cli, s, &d);
    if (!sel)
        goto done;
    xf_console_found(cli, s);
    struct xf_events ev;
    xf_console_events(&ev, cli);
    const struct xf_node_result *res;
    size_t nres;
    int rc = xf_session_clone(s, cli->state_data, sel, cli->full_refresh, &ev, &res, &nres);
    xf_console_diags(cli, &d);
    if (rc < 0)
        goto done;
    struct xf_project *p = xf_session_project(s);
    struct xf_arena a;
    xf_arena_init(&a);
    char *tdir = xf_path_join(&a, p->root, p->target_path ? p->target_path : "target");
    struct xf_invocation *inv = xf_session_invocation(s);
    inv->command = cli->command;
    inv->argc = cli->argc;
    inv->argv = cli->argv;
    int we = xf_write_run_results(tdir, inv, res, nres, xf_cli_now() - t0);
    if (we < 0)
        xf_console_write_error(tdir, "run_results.json", -we);
    xf_arena_release(&a);
    if (nres == 0)
        xf_console_line(cli, "Nothing to do: no selected node has a relation in the state run");
    code = xf_console_summary(cli, s, res, nres, xf_cli_now() - t0, rc) || we < 0 ? XF_EXIT_FAIL
                                                                                  : XF_EXIT_OK;
done:
    free(sel);
    xf_session_free(s);
    xf_diags_release(&d);
    return code;
}
