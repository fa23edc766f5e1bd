// SPDX-License-Identifier: MIT
/*
 * `xform lineage [--select ...] [--format text|dot|mermaid|json]`: the
 * selected part of the dependency graph (default: the whole project) on
 * stdout, as a tree for the terminal or for Graphviz, Mermaid and tools.
 * Only the graph goes to stdout, so `xform lineage --format dot | dot
 * -Tsvg` works; diagnostics go to stderr.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"

int xf_cmd_lineage(struct xf_cli *cli)
{
    enum xf_lineage_format fmt = XF_LINEAGE_TEXT;
    if (cli->format && xf_lineage_format_parse(&fmt, cli->format) < 0) {
        static const char *const names[] = {"text", "dot", "mermaid", "json"};
        const char *sug = xf_str_suggest(xf_str_c(cli->format), names, 4);
        if (sug)
            fprintf(stderr, "error: unknown --format '%s' (did you mean '%s'?)\n", cli->format,
                    sug);
        else
            fprintf(stderr, "error: unknown --format '%s': use text, dot, mermaid or json\n",
                    cli->format);
        return XF_EXIT_USAGE;
    }
    if (cli->positional.n) {
        fprintf(stderr, "error: unexpected argument '%s': select nodes with --select\n",
                cli->positional.v[0]);
        return XF_EXIT_USAGE;
    }
    struct xf_diags d;
    xf_diags_init(&d);
    struct xf_session *s = NULL;
    bool *sel = NULL;
    struct xf_buf out = XF_BUF_INIT;
    int code = XF_EXIT_USAGE;
    if (xf_cmd_open(cli, &s, &d) < 0)
        goto done;
    if (!(sel = xf_cmd_select_enabled(cli, s, &d)))
        goto done;
    struct xf_graph *g = xf_session_graph(s);
    size_t n = xf_lineage_write(&out, g, sel, fmt);
    fwrite(out.ptr, 1, out.len, stdout);
    fflush(stdout);
    if (n == 0 && !cli->quiet)
        fprintf(stderr, "note: no models, seeds, snapshots or sources are selected\n");
    code = XF_EXIT_OK;
done:
    free(sel);
    xf_buf_release(&out);
    xf_session_free(s);
    xf_diags_release(&d);
    return code;
}
