// SPDX-License-Identifier: MIT
/*
 * `xform debug`: where the project and profile are, which target is in
 * use with its settings (never a password), and whether it connects.
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
    if (xf_cmd_open(cli, &s, &d) < 0)
        goto done;
    struct xf_project *p = xf_session_project(s);
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
