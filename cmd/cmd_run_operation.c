// SPDX-License-Identifier: MIT
/*
 * `xform run-operation MACRO [--args YAML]`: calls a macro with keyword
 * arguments, with a connection and execute true, as dbt does. Exit 0, 1
 * when the macro raised (or the warehouse was not reachable), 2 for an
 * unknown macro or arguments that are not a mapping (nothing run).
 * Writes run_results.json with one result, as dbt 1.6+ does: unique_id
 * "operation.<project>.<macro>", status success or error; unlike dbt (its
 * issue 8278) the error's text is the result's message.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "util/path.h"

static int write_results(struct xf_cli *cli, struct xf_session *s, const char *spec, bool failed,
                         const char *why, double t0, double t1, struct xf_arena *a)
{
    if (!xf_cli_write_json(cli))
        return 0;
    struct xf_project *p = xf_session_project(s);
    const char *dot = strrchr(spec, '.');
    struct xf_node op = {0};
    op.unique_id = xf_arena_printf(a, "operation.%s.%s", p->name ? p->name : "",
                                   dot ? dot + 1 : spec);
    struct xf_node_result r = {
        .node = &op,
        .status = failed ? XF_ST_ERROR : XF_ST_SUCCESS,
        .message = failed ? (why ? why : "Encountered an error while running operation") : NULL,
        .failures = -1,
        .rows_affected = -1,
        .execute_started = t0,
        .execute_completed = t1,
        .execution_time = t1 - t0,
        .thread_id = 1,
    };
    char *tdir = xf_path_join(a, p->root, p->target_path ? p->target_path : "target");
    struct xf_invocation *inv = xf_session_invocation(s);
    inv->command = cli->command;
    inv->argc = cli->argc;
    inv->argv = cli->argv;
    int we = xf_write_run_results(tdir, inv, &r, 1, t1 - t0);
    if (we < 0)
        xf_console_write_error(tdir, "run_results.json", -we);
    return we;
}

int xf_cmd_run_operation(struct xf_cli *cli)
{
    if (cli->positional.n != 1) {
        fprintf(stderr, "error: usage: xform run-operation MACRO [--args '{key: value}']\n");
        return XF_EXIT_USAGE;
    }
    const char *spec = cli->positional.v[0];
    struct xf_diags d;
    xf_diags_init(&d);
    struct xf_session *s = NULL;
    struct xf_arena a;
    xf_arena_init(&a);
    int code = XF_EXIT_USAGE;
    if (xf_cmd_open(cli, &s, &d) < 0)
        goto done;
    xf_console_found(cli, s);
    struct xf_value kwargs, ret;
    int e = xf_session_check_operation(s, spec, cli->args, &a, &kwargs);
    xf_console_diags(cli, &d);
    if (e < 0)
        goto done;
    xf_diags_release(&d);
    xf_diags_init(&d);
    struct xf_events ev;
    xf_console_events(&ev, cli);
    double t0 = xf_cli_now();
    e = xf_session_run_operation(s, spec, &kwargs, &ev, &a, &ret);
    double t1 = xf_cli_now();
    xf_warn_error_promote(cli, &d);
    bool failed = e < 0 || d.nerrors;
    const char *why = NULL;
    for (const struct xf_diag *g = d.head; failed && g && !why; g = g->next) {
        if (g->sev == XF_SEV_ERROR)
            why = xf_arena_strdup(&a, g->msg);
    }
    xf_console_diags(cli, &d);
    int we = write_results(cli, s, spec, failed, why, t0, t1, &a);
    if (failed) /* dbt's RunningOperationCaughtError */
        xf_console_emit(cli, "RunningOperationCaughtError", "Q001", "error", NULL,
                        "Encountered an error while running operation");
    code = failed || we < 0 ? XF_EXIT_FAIL : XF_EXIT_OK;
done:
    xf_arena_release(&a);
    xf_session_free(s);
    xf_diags_release(&d);
    return code;
}
