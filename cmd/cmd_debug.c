// SPDX-License-Identifier: MIT
/*
 * `xform debug`: where the project and profile are, which target is in
 * use with its settings (never a password), and whether it connects.
 * As dbt debug, it does not judge the models: once the target is read,
 * problems in the rest of the project are shown as warnings and the
 * connection is tested all the same.
 */
#include <string.h>

#include "cmd/cli.h"

static bool secret(struct xf_str key)
{
    return xf_str_eqc(key, "password") || xf_str_eqc(key, "pass") || xf_str_eqc(key, "conninfo") ||
           xf_str_eqc(key, "uri") || xf_str_ends(key, "_password") || xf_str_eqc(key, "token");
}

int xf_cmd_debug(struct xf_cli *cli)
{
    struct xf_diags d;
    xf_diags_init(&d);
    struct xf_session *s = NULL;
    int code = XF_EXIT_USAGE;
    printf("xform version: %s\n", XF_VERSION);
    struct xf_load_opts lo;
    xf_cmd_load_opts(cli, &lo);
    int opened = xf_session_open(&s, &lo, &d);
    struct xf_project *p = xf_session_project(s);
    if (p)
        xf_logfile_attach(cli, p, opened == 0);
    size_t problems = 0;
    if (opened < 0 && p && p->target.loaded) {
        problems = d.nerrors;
        for (struct xf_diag *g = d.head; g; g = g->next)
            if (g->sev == XF_SEV_ERROR)
                g->sev = XF_SEV_WARNING;
        d.nwarnings += d.nerrors;
        d.nerrors = 0;
    }
    xf_console_diags(cli, &d);
    if (opened < 0 && !problems) {
        fprintf(stderr, "%u error%s: the target could not be read\n", (unsigned)d.nerrors,
                d.nerrors == 1 ? "" : "s");
        goto done;
    }
    const struct xf_target *t = &p->target;
    printf("project: %s (%s)\n", p->name, p->project_file ? p->project_file->path : "?");
    printf("project folder: %s\n", p->root);
    if (t->embedded_default)
        printf("profile: none found; using the embedded SQLite default\n");
    else
        printf("profile: %s, target: %s\n", t->profile_name ? t->profile_name : "?",
               t->name ? t->name : "?");
    printf("connection:\n  type: %s\n  schema: %s\n  threads: %d\n", t->type, t->schema,
           t->threads);
    if (t->database)
        printf("  database: %s\n", t->database);
    if (t->settings.t == XF_V_DICT) {
        for (size_t i = 0; i < t->settings.u.d->n; i++) {
            const struct xf_dict_ent *e = &t->settings.u.d->ents[i];
            if (secret(e->key) || xf_str_eqc(e->key, "type") || xf_str_eqc(e->key, "schema") ||
                xf_str_eqc(e->key, "threads"))
                continue;
            struct xf_buf b = XF_BUF_INIT;
            xf_value_str(&b, &e->val);
            printf("  %.*s: %s\n", XF_STR_ARG(e->key), b.ptr);
            xf_buf_release(&b);
        }
    }
    struct xf_buf err = XF_BUF_INIT, note = XF_BUF_INIT;
    if (xf_session_check_connection(s, &note, &err) < 0) {
        printf("connection test: ERROR\n");
        fprintf(stderr, "error: %s\n", err.ptr);
        code = XF_EXIT_FAIL;
    } else {
        if (note.len)
            printf("connection test: OK (%s)\n", note.ptr);
        else
            printf("connection test: OK\n");
        if (problems)
            printf("\nThe connection works; the project has %zu problem%s (the warnings above: "
                   "`xform parse` reports them as errors)\n",
                   problems, problems == 1 ? "" : "s");
        else
            printf("\nAll checks passed!\n");
        code = XF_EXIT_OK;
    }
    xf_buf_release(&err);
    xf_buf_release(&note);
done:
    xf_session_free(s);
    xf_diags_release(&d);
    return code;
}
