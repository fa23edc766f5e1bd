// SPDX-License-Identifier: MIT
/*
 * `xform retry`: runs again, with the same command, only the nodes that
 * errored, failed or were skipped in target/run_results.json.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "util/path.h"

static const struct {
    const char *which;
    enum xf_phase phase;
} phases[] = {
    {"run", XF_PHASE_RUN},   {"build", XF_PHASE_BUILD},       {"test", XF_PHASE_TEST},
    {"seed", XF_PHASE_SEED}, {"snapshot", XF_PHASE_SNAPSHOT}, {NULL, XF_PHASE_RUN},
};

int xf_cmd_retry(struct xf_cli *cli)
{
    struct xf_diags d;
    xf_diags_init(&d);
    struct xf_session *s = NULL;
    bool *sel = NULL;
    json_t *rr = NULL;
    XF_VEC(const char *) ids = {0};
    int code = XF_EXIT_USAGE;
    if (xf_cmd_open(cli, &s, &d) < 0)
        goto done;
    struct xf_project *p = xf_session_project(s);
    struct xf_arena a;
    xf_arena_init(&a);
    char *path =
        xf_arena_printf(&a, "%s/run_results.json",
                        xf_path_join(&a, p->root, p->target_path ? p->target_path : "target"));
    json_error_t je;
    rr = json_load_file(path, 0, &je);
    xf_arena_release(&a);
    if (!rr) {
        fprintf(stderr, "error: nothing to retry: %s could not be read (%s)\n", path, je.text);
        goto done;
    }
    const char *which = json_string_value(json_object_get(json_object_get(rr, "args"), "which"));
    enum xf_phase phase = XF_PHASE_RUN;
    bool known = false;
    for (size_t i = 0; which && phases[i].which; i++) {
        if (!strcmp(which, phases[i].which)) {
            phase = phases[i].phase;
            known = true;
        }
    }
    if (!known) {
        fprintf(stderr, "error: the last run ('%s') cannot be retried\n", which ? which : "?");
        goto done;
    }
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(rr, "results"), i, r)
    {
        const char *st = json_string_value(json_object_get(r, "status"));
        if (st && (!strcmp(st, "error") || !strcmp(st, "fail") || !strcmp(st, "skipped") ||
                   !strcmp(st, "runtime error") || !strcmp(st, "partial success")))
            xf_vec_push(&ids, json_string_value(json_object_get(r, "unique_id")));
    }
    /* A microbatch model runs again only the batches that failed (dbt's batch_results). */
    json_array_foreach(json_object_get(rr, "results"), i, r)
    {
        json_t *failed = json_object_get(json_object_get(r, "batch_results"), "failed");
        const char *uid = json_string_value(json_object_get(r, "unique_id"));
        if (!uid || !json_array_size(failed))
            continue;
        size_t nf = json_array_size(failed);
        const char **w = xf_calloc(2 * nf + 1, sizeof *w);
        for (size_t k = 0; k < nf; k++) {
            w[2 * k] = json_string_value(json_array_get(json_array_get(failed, k), 0));
            w[2 * k + 1] = json_string_value(json_array_get(json_array_get(failed, k), 1));
        }
        bool ok = true;
        for (size_t k = 0; k < 2 * nf; k++)
            ok = ok && w[k];
        if (!ok || xf_session_retry_batches(s, uid, w, nf) < 0) {
            fprintf(stderr,
                    "error: the failed batches of '%s' in the last run_results.json are not "
                    "[start, end] times\n",
                    uid);
            free(w);
            goto done;
        }
        free(w);
    }
    struct xf_graph *g = xf_session_graph(s);
    sel = xf_calloc(g->n + 1, sizeof *sel);
    xf_session_select_ids(s, ids.v, ids.n, sel);
    xf_console_found(cli, s);
    if (!ids.n) {
        xf_console_line(cli, "Nothing to retry: the last %s had no errors, failures or skips",
                        which);
        code = XF_EXIT_OK;
        goto done;
    }
    struct xf_events ev;
    xf_console_events(&ev, cli);
    xf_logfile_events(&ev, cli);
    struct xf_run_opts o = {.phase = phase, .threads = cli->threads, .events = &ev};
    const struct xf_node_result *res;
    size_t nres;
    double t0 = xf_cli_now();
    int rc = xf_session_run(s, &o, sel, &res, &nres);
    xf_console_diags(cli, &d);
    if (rc < 0)
        goto done;
    struct xf_arena b;
    xf_arena_init(&b);
    char *tdir = xf_path_join(&b, p->root, p->target_path ? p->target_path : "target");
    struct xf_invocation *inv = xf_session_invocation(s);
    inv->command = which;
    inv->argc = cli->argc;
    inv->argv = cli->argv;
    int we =
        xf_cli_write_json(cli) ? xf_write_run_results(tdir, inv, res, nres, xf_cli_now() - t0) : 0;
    if (we < 0)
        xf_console_write_error(tdir, "run_results.json", -we);
    xf_arena_release(&b);
    if (xf_cli_junit(cli, s, res, nres, xf_cli_now() - t0) < 0)
        we = -1;
    code = xf_console_summary(cli, s, res, nres, xf_cli_now() - t0, rc) || we < 0 ? XF_EXIT_FAIL
                                                                                  : XF_EXIT_OK;
done:
    xf_vec_release(&ids);
    json_decref(rr);
    free(sel);
    xf_session_free(s);
    xf_diags_release(&d);
    return code;
}
