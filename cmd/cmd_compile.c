// SPDX-License-Identifier: MIT
/*
 * What `compile` prints besides the files it writes, as dbt's CompiledNode
 * event: `compile --inline SQL` prints the compiled SQL ("Compiled inline
 * node is:"), and `compile -s NAME` prints the compiled SQL of each node
 * the --select terms name ("Compiled node 'NAME' is:"); with --output json
 * the SQL comes as {"node": ..., "compiled": ...}.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"

int xf_compile_check_output(const struct xf_cli *cli)
{
    if (cli->output && strcmp(cli->output, "text") && strcmp(cli->output, "json")) {
        fprintf(stderr, "error: compile --output must be text or json, not '%s'\n", cli->output);
        return -1;
    }
    if (cli->inline_sql && (cli->select.n || cli->exclude.n || cli->selector)) {
        fprintf(stderr, "error: give --inline or a selection (--select, --exclude, --selector), "
                        "not both\n");
        return -1;
    }
    return 0;
}

static void compiled_node(const struct xf_cli *cli, const char *name, const char *uid,
                          const char *sql)
{
    bool json = cli->output && !strcmp(cli->output, "json");
    char *msg;
    if (json) {
        json_t *o = name ? json_pack("{s:s, s:s}", "node", name, "compiled", sql)
                         : json_pack("{s:s}", "compiled", sql);
        msg = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(o);
    } else {
        struct xf_buf b = XF_BUF_INIT;
        if (name)
            xf_buf_addf(&b, "Compiled node '%s' is:\n%s", name, sql);
        else
            xf_buf_addf(&b, "Compiled inline node is:\n%s", sql);
        msg = xf_strndup(b.ptr, b.len);
        xf_buf_release(&b);
    }
    json_t *data = NULL;
    if (cli->json_log)
        data = json_pack("{s:s, s:s, s:b, s:s, s:s}", "node_name", name ? name : "inline_query",
                         "compiled", sql, "is_inline", name == NULL, "output_format",
                         json ? "json" : "text", "unique_id", uid ? uid : "");
    /* printed with --quiet too: it is what the command was asked for */
    xf_console_emit(cli, "CompiledNode", "Q042", "info", data, msg);
    free(msg);
}

/* The node name a --select term names: graph operators and @ stripped. */
static bool term_names(const char *term, size_t len, const char *name)
{
    while (len && (isdigit((unsigned char)*term) || *term == '+' || *term == '@'))
        term++, len--;
    while (len && (isdigit((unsigned char)term[len - 1]) || term[len - 1] == '+'))
        len--;
    return strlen(name) == len && !strncmp(term, name, len);
}

void xf_compile_print(const struct xf_cli *cli, const struct xf_node_result *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct xf_node *nd = r[i].node;
        const char *sql = r[i].compiled_code ? r[i].compiled_code : nd->compiled_code;
        if (r[i].status == XF_ST_ERROR || !sql)
            continue;
        bool named = false;
        for (size_t k = 0; k < cli->select.n && !named; k++) {
            const char *v = cli->select.v[k];
            while (*v && !named) {
                size_t len = strcspn(v, " \t\n,");
                named = len && term_names(v, len, nd->name);
                v += len;
                v += strspn(v, " \t\n,");
            }
        }
        if (named)
            compiled_node(cli, nd->name, nd->unique_id, sql);
    }
}

int xf_cmd_compile_inline(struct xf_cli *cli)
{
    struct xf_diags d;
    xf_diags_init(&d);
    struct xf_session *s = NULL;
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_buf sql = XF_BUF_INIT;
    int code = XF_EXIT_USAGE;
    if (xf_cmd_open(cli, &s, &d) < 0)
        goto done;
    xf_console_found(cli, s);
    int e = xf_session_compile_inline(s, cli->inline_sql, &a, &sql);
    xf_warn_error_promote(cli, &d);
    xf_console_diags(cli, &d);
    if (e < 0 || d.nerrors) {
        code = XF_EXIT_FAIL;
        goto done;
    }
    compiled_node(cli, NULL, NULL, sql.ptr ? sql.ptr : "");
    code = XF_EXIT_OK;
done:
    xf_buf_release(&sql);
    xf_arena_release(&a);
    xf_session_free(s);
    xf_diags_release(&d);
    return code;
}
