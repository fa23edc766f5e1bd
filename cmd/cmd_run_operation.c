// SPDX-License-Identifier: MIT
/*
 * `xform run-operation MACRO [--args YAML]`: calls a macro with keyword
 * arguments, with a connection and execute true, as dbt does. Exit 0, 1
 * when the macro raised (or the warehouse was not reachable), 2 for an
 * unknown macro or arguments that are not a mapping (nothing run).
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"

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
    e = xf_session_run_operation(s, spec, &kwargs, &ev, &a, &ret);
    xf_warn_error_promote(cli, &d);
    xf_console_diags(cli, &d);
    if (e < 0 || d.nerrors) {
        /* dbt's RunningOperationCaughtError */
        xf_console_emit(cli, "RunningOperationCaughtError", "Q001", "error", NULL,
                        "Encountered an error while running operation");
        code = XF_EXIT_FAIL;
    } else {
        code = XF_EXIT_OK;
    }
done:
    xf_arena_release(&a);
    xf_session_free(s);
    xf_diags_release(&d);
    return code;
}
