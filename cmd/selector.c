// SPDX-License-Identifier: MIT
/*
 * --selector and the default selector of selectors.yml, for every command
 * that selects nodes. As dbt: --selector wins over --select/--exclude (we
 * warn that they are ignored), and the selector marked `default: true` is
 * used when a command gets none of the three.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"

int xf_cmd_named_selection(struct xf_cli *cli, struct xf_session *s, bool announce, bool *out,
                           struct xf_diags *d)
{
    struct xf_project *p = xf_session_project(s);
    bool flags = cli->select.n || cli->exclude.n;
    /* selectors.yml is read only when a command may use it */
    if (!cli->selector && (flags || !xf_selectors_file_exists(p)))
        return 0;
    struct xf_selectors *sels;
    if (xf_selectors_load(&sels, p, d) < 0)
        return -1;
    const char *name = cli->selector;
    if (!name) {
        name = xf_selectors_default(sels);
        if (!name)
            return 0;
        if (announce) /* dbt's DefaultSelector event */
            xf_console_event(cli, "DefaultSelector", "Q022", json_pack("{s:s}", "name", name),
                             "Using default selector %s", name);
    } else if (flags) {
        struct xf_diag *w = xf_diag_add(d, XF_SEV_WARNING, XF_NOLOC,
                                        "--select and --exclude are ignored because --selector "
                                        "'%s' is given",
                                        name);
        xf_diag_hint(w, "dbt does the same: put the extra criteria in the selector's definition");
    }
    /* a definition's own indirect_selection wins over the flag, as in dbt */
    enum xf_indirect mode;
    if (xf_cli_indirect(cli, &mode) < 0)
        return -1;
    if (xf_selectors_select(sels, xf_session_graph(s), name, true, mode, out, d) < 0)
        return -1;
    return 1;
}

int xf_cmd_select_phase(struct xf_cli *cli, struct xf_session *s, const struct xf_run_opts *o,
                        bool *out, struct xf_diags *d)
{
    struct xf_graph *g = xf_session_graph(s);
    bool *named = xf_calloc(g->n + 1, 1);
    int r = xf_cmd_named_selection(cli, s, true, named, d);
    if (r <= 0) {
        free(named);
        return r < 0 ? -1 : xf_session_select(s, o, out);
    }
    /* everything the phase runs, then only what the selector picked */
    struct xf_run_opts all = *o;
    all.select = all.exclude = NULL;
    all.nselect = all.nexclude = 0;
    int e = xf_session_select(s, &all, out);
    for (size_t i = 0; i < g->n; i++)
        out[i] = out[i] && named[i];
    free(named);
    return e;
}
