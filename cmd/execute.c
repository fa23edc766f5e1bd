// SPDX-License-Identifier: MIT
/*
 * What every node-running command shares: open the session, select, run
 * with Ctrl-C handling, write artifacts, print the summary, pick the exit
 * code (0 ok, 1 a node or test failed, 2 nothing could run, 128 + the signal
 * when cancelled: 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adapters/adapter.h"
#include "cmd/cli.h"
#include "cmd/progress.h"
#include "util/path.h"

void xf_cmd_load_opts(const struct xf_cli *cli, struct xf_load_opts *lo)
{
    memset(lo, 0, sizeof *lo);
    lo->project_dir = cli->project_dir ? cli->project_dir : ".";
    lo->profiles_dir = cli->profiles_dir;
    lo->target = cli->target;
    lo->vars = cli->vars;
    lo->threads = cli->threads;
    lo->command = cli->command;
    lo->full_refresh = cli->full_refresh;
    lo->target_path = xf_cli_target_path(cli);
    lo->profile = cli->profile;
    lo->empty = cli->empty;
    lo->warn_error = cli->warn_error;
    lo->warn_error_notes = xf_warn_error_is_error(cli, "Note");
    lo->event_time_start = cli->event_time_start;
    lo->event_time_end = cli->event_time_end;
}

/* --event-time-start/--event-time-end: both, ISO times, start before end (dbt's rules). */
static int check_event_time_flags(const struct xf_cli *cli)
{
    const char *st = cli->event_time_start, *en = cli->event_time_end;
    if (!st && !en)
        return 0;
    if (!st || !en) {
        fprintf(stderr,
                "error: --%s needs --%s too: a backfill is the batches between them\n"
                "  hint: --event-time-start 2024-09-01 --event-time-end 2024-09-04 "
                "builds 1, 2 and 3 September\n",
                st ? "event-time-start" : "event-time-end",
                st ? "event-time-end" : "event-time-start");
        return -1;
    }
    long long a, b;
    const char *bad = xf_microbatch_parse_time(st, &a) < 0   ? st
                      : xf_microbatch_parse_time(en, &b) < 0 ? en
                                                             : NULL;
    if (bad) {
        fprintf(stderr,
                "error: --event-time-%s '%s' is not an ISO date or date and time\n"
                "  hint: write 2024-09-01 or 2024-09-01T06:00:00 (UTC)\n",
                bad == st ? "start" : "end", bad);
        return -1;
    }
    if (a >= b) {
        fprintf(stderr,
                "error: --event-time-start '%s' is not before --event-time-end '%s'\n"
                "  hint: the end is exclusive: one day is --event-time-start 2024-09-01 "
                "--event-time-end 2024-09-02\n",
                st, en);
        return -1;
    }
    return 0;
}

/* --defer and --favor-state need what they defer to: checked before anything loads. */
static int check_state_flags(const struct xf_cli *cli)
{
    if (cli->defer && !cli->state) {
        fprintf(stderr, "error: --defer needs --state DIR: the artifacts of the run to defer to\n"
                        "  hint: pass the production run's target folder, as in --defer "
                        "--state prod_target/\n");
        return -1;
    }
    if (cli->favor_state && !cli->defer) {
        fprintf(stderr, "error: --favor-state only changes what --defer does: add --defer "
                        "--state DIR\n");
        return -1;
    }
    return 0;
}

/* --state DIR: read and compared once the graph is built; g->state points into it. */
static int load_state(struct xf_cli *cli, struct xf_session *s, struct xf_diags *d)
{
    if (!cli->state)
        return 0;
    struct xf_project *p = xf_session_project(s);
    struct xf_arena a;
    xf_arena_init(&a);
    char *tdir = xf_path_join(&a, p->root, p->target_path ? p->target_path : "target");
    int e = xf_state_load(&cli->state_data, cli->state, tdir, p, xf_session_graph(s), d);
    xf_arena_release(&a);
    if (e < 0)
        return -1;
    xf_session_graph(s)->state = xf_state_marks(cli->state_data);
    return 0;
}

int xf_cmd_open(struct xf_cli *cli, struct xf_session **out, struct xf_diags *d)
{
    struct xf_load_opts lo;
    xf_cmd_load_opts(cli, &lo);
    if (check_state_flags(cli) < 0 || check_event_time_flags(cli) < 0) {
        *out = NULL;
        return -1;
    }
    lo.partial_parse = xf_pp_records_on(cli);
    int e = xf_session_open(out, &lo, d);
    /* before the diagnostics: the target's secrets are scrubbed from what follows */
    if (*out && e == 0) {
        const struct xf_target *t = &xf_session_project(*out)->target;
        cli->target_name = t->embedded_default ? NULL : t->name;
        cli->invocation_id = xf_session_invocation(*out)->invocation_id;
    }
    if (*out)
        xf_logfile_attach(cli, xf_session_project(*out), e == 0);
    if (*out)
        xf_pp_records_log(cli, *out);
    if (xf_warn_error_promote(cli, d) && e == 0)
        e = -1; /* --warn-error: a load warning stops the command as an error would */
    if (e == 0)
        e = load_state(cli, *out, d);
    xf_console_diags(cli, d);
    if (e < 0) {
        fprintf(stderr, "%u error%s: nothing was run\n", (unsigned)d->nerrors,
                d->nerrors == 1 ? "" : "s");
        return -1;
    }
    /* Printed once; later diagnostics are new ones only. */
    xf_diags_release(d);
    xf_diags_init(d);
    return 0;
}

bool *xf_cmd_select_enabled(struct xf_cli *cli, struct xf_session *s, struct xf_diags *d)
{
    struct xf_graph *g = xf_session_graph(s);
    bool *sel = xf_calloc(g->n + 1, sizeof *sel);
    int e = xf_cmd_named_selection(cli, s, false, sel, d);
    enum xf_indirect mode;
    /* ls lists the tests its selection pulls in, as dbt's does; lineage only what is named */
    bool ls = !strcmp(cli->command, "ls") || !strcmp(cli->command, "list");
    if (e == 0 && ls && xf_cli_indirect(cli, &mode) == 0)
        e = xf_graph_select_tests(g, cli->select.v, cli->select.n, cli->exclude.v, cli->exclude.n,
                                  mode, sel, d);
    else if (e == 0)
        e = xf_graph_select(g, cli->select.v, cli->select.n, cli->exclude.v, cli->exclude.n, sel,
                            d);
    if (xf_warn_error_promote(cli, d))
        e = -1;
    xf_console_diags(cli, d);
    if (e < 0) {
        free(sel);
        return NULL;
    }
    for (size_t i = 0; i < g->n; i++) {
        if (sel[i] && !xf_node_config_bool(g->all[i], "enabled", true))
            sel[i] = false;
    }
    return sel;
}

/* ---- Ctrl-C, SIGTERM, SIGHUP: a thread waits for the signal and cancels the session ---- */

static struct xf_session *volatile running; /* the one session the CLI runs */
static volatile sig_atomic_t interrupted;   /* the first signal that came, 0 before */

int xf_cmd_interrupted(void)
{
    return interrupted;
}

static void *signal_thread(void *arg)
{
    sigset_t *set = arg;
    for (;;) {
        int sig;
        if (sigwait(set, &sig) != 0)
            continue;
        if (interrupted) {
            /* A second signal: leave now; open transactions roll back. */
            _exit(128 + sig);
        }
        interrupted = sig;
        const char *msg =
            sig == SIGTERM  ? "\ninterrupted by SIGTERM: cancelling running queries (a second "
                              "signal quits at once)\n"
            : sig == SIGHUP ? "\ninterrupted by SIGHUP: cancelling running queries (a second "
                              "signal quits at once)\n"
                            : "\ninterrupted: cancelling running queries (Ctrl-C again to quit "
                              "at once)\n";
        xf_progress_hold();
        if (write(STDERR_FILENO, msg, strlen(msg)) < 0) {
            /* nothing to do */
        }
        xf_progress_resume();
        if (running)
            xf_session_cancel(running);
    }
    return NULL;
}

static sigset_t watched;
static pthread_t watcher;
static bool watching;

static void watch_signals(void)
{
    if (watching)
        return;
    sigemptyset(&watched);
    sigaddset(&watched, SIGINT);
    sigaddset(&watched, SIGTERM);
    sigaddset(&watched, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &watched, NULL);
    watching = pthread_create(&watcher, NULL, signal_thread, &watched) == 0;
}

/* The run is over: the watcher goes (sigwait is a cancellation point), signals are default again.
 */
static void unwatch_signals(void)
{
    if (!watching)
        return;
    pthread_cancel(watcher);
    pthread_join(watcher, NULL);
    watching = false;
    pthread_sigmask(SIG_UNBLOCK, &watched, NULL);
}

/*
 * An adapter with one writer (SQLite) runs writes one after another and
 * data tests on read connections beside them: what was asked is noted
 * here, and the console says why when the run still gets one thread.
 */
static void note_threads_asked(struct xf_cli *cli, struct xf_session *s, enum xf_phase phase)
{
    const struct xf_adapter_ops *ops = xf_session_adapter(s);
    const struct xf_target *t = &xf_session_project(s)->target;
    int want = cli->threads > 0 ? cli->threads : t->threads;
    if (!ops || !ops->single_writer || phase == XF_PHASE_COMPILE || want <= 1)
        return;
    cli->capped.want = want;
    cli->capped.adapter = ops->name;
    cli->capped.target = cli->threads > 0 ? NULL : t->name;
}

static char *target_dir(struct xf_arena *a, struct xf_project *p)
{
    return xf_path_join(a, p->root, p->target_path ? p->target_path : "target");
}

int xf_cmd_execute(struct xf_cli *cli, enum xf_phase phase)
{
    struct xf_diags d;
    xf_diags_init(&d);
    struct xf_session *s = NULL;
    bool *sel = NULL;
    int code = XF_EXIT_USAGE;
    size_t ncompiled = 0;
    double t0 = xf_cli_now();
    if (phase == XF_PHASE_COMPILE) {
        if (xf_pp_try(cli, &code))
            return code; /* nothing changed since the compile that wrote the cache */
        xf_pp_begin(cli);
    }
    if (xf_cmd_open(cli, &s, &d) < 0)
        goto done;
    double t_open = xf_cli_now();
    xf_console_found(cli, s);
    struct xf_events ev;
    xf_console_events(&ev, cli);
    xf_logfile_events(&ev, cli);
    struct xf_run_opts o = {
        .phase = phase,
        .select = cli->select.v,
        .nselect = cli->select.n,
        .exclude = cli->exclude.v,
        .nexclude = cli->exclude.n,
        .full_refresh = cli->full_refresh,
        .fail_fast = cli->fail_fast,
        .threads = cli->threads,
        .events = &ev,
        .defer_state = cli->defer ? cli->state_data : NULL,
        .favor_state = cli->favor_state,
    };
    bool types[XF_RES_NTYPES];
    xf_cli_indirect(cli, &o.indirect); /* checked in xf_main */
    o.warn_error_tests = xf_warn_error_is_error(cli, "LogTestResult");
    if (phase == XF_PHASE_BUILD && (cli->resource_types.n || cli->exclude_resource_types.n)) {
        xf_cli_types(cli, types);
        o.types = types;
    }
    struct xf_graph *g = xf_session_graph(s);
    sel = xf_calloc(g->n + 1, sizeof *sel);
    int e = xf_cmd_select_phase(cli, s, &o, sel, &d);
    if (xf_warn_error_promote(cli, &d))
        e = -1; /* NoNodesForSelectionCriteria under --warn-error: nothing runs, exit 2 */
    xf_console_diags(cli, &d);
    if (e < 0)
        goto done;
    xf_diags_release(&d);
    xf_diags_init(&d);
    size_t nsel = 0;
    for (size_t i = 0; i < g->n; i++)
        nsel += sel[i];
    struct xf_project *p = xf_session_project(s);
    struct xf_arena a;
    xf_arena_init(&a);
    char *tdir = target_dir(&a, p);
    struct xf_invocation *inv = xf_session_invocation(s);
    inv->command = cli->command;
    inv->argc = cli->argc;
    inv->argv = cli->argv;
    if (nsel == 0) {
        xf_console_line(cli, "Nothing to do. Try checking your model configs and model "
                             "specification args");
        int me = xf_cli_write_json(cli) ? xf_write_manifest(tdir, p, g, inv) : 0;
        if (me < 0)
            xf_console_write_error(tdir, "manifest.json", -me);
        /* a CI job reads a report whatever was selected: an empty one */
        if (xf_cli_junit(cli, s, NULL, 0, xf_cli_now() - t0) < 0)
            me = -1;
        xf_arena_release(&a);
        code = me < 0 ? XF_EXIT_FAIL : XF_EXIT_OK;
        goto done;
    }
    note_threads_asked(cli, s, phase);
    if (phase != XF_PHASE_COMPILE)
        xf_progress_prepare(cli, g->all, sel, g->n, xf_path_join(&a, tdir, "run_results.json"));
    watch_signals();
    running = s;
    const struct xf_node_result *res;
    size_t nres;
    int rc = xf_session_run(s, &o, sel, &res, &nres);
    running = NULL;
    xf_progress_end();
    if (xf_warn_error_promote(cli, &d) && rc == 0)
        rc = 1; /* a template's warning during the run, made an error */
    xf_console_diags(cli, &d);
    if (rc < 0) {
        xf_arena_release(&a);
        goto done;
    }
    double elapsed = xf_cli_now() - t0;
    double t_run = xf_cli_now(), art[2] = {0, 0};
    int werr[2] = {0, 0};
    int we = xf_cli_write_json(cli)
                 ? xf_write_artifacts(tdir, p, g, inv, res, nres, elapsed, art, werr)
                 : 0;
    if (xf_cli_junit(cli, s, res, nres, elapsed) < 0)
        we = -1;
    if (cli->pp)
        cli->pp->paused = true; /* what follows, a replay says itself */
    ncompiled = nres;
    double ph[5];
    xf_session_timings(s, ph);
    xf_console_debug(cli, "Timing", "Z050",
                     "timings: load %.3fs, parse render %.3fs, graph %.3fs, run %.3fs, "
                     "artifacts %.3fs",
                     ph[0], ph[1], ph[2], t_run - t_open, xf_cli_now() - t_run);
    if (getenv("XF_TIMINGS")) {
        fprintf(stderr,
                "timings: load %.3fs, parse render %.3fs, graph %.3fs, run %.3fs (execute "
                "render %.3fs over %d threads), artifacts %.3fs (manifest %.3fs, run_results "
                "%.3fs at once), total %.3fs\n",
                ph[0], ph[1], ph[2], t_run - t_open, ph[3], (int)ph[4], xf_cli_now() - t_run,
                art[0], art[1], xf_cli_now() - t0);
    }
    if (phase == XF_PHASE_COMPILE) {
        xf_console_line(cli, "Compiled %zu %s into %s/compiled in %.2fs", nres,
                        nres == 1 ? "node" : "nodes", p->target_path ? p->target_path : "target",
                        elapsed);
        xf_compile_print(cli, res, nres);
        /* Each render error was printed once above, as a located diagnostic;
         * what else failed (a compiled file that could not be written) is here. */
        for (size_t i = 0; rc && i < nres; i++)
            if (res[i].status == XF_ST_ERROR && res[i].message && !res[i].compile_error)
                fputs(res[i].message, stderr);
        code = rc ? XF_EXIT_FAIL : XF_EXIT_OK;
    } else {
        code = xf_console_summary(cli, s, res, nres, elapsed, rc) ? XF_EXIT_FAIL : XF_EXIT_OK;
    }
    /* after the summary, so that the last words are what went wrong */
    for (int i = 0; i < 2; i++)
        if (werr[i] < 0)
            xf_console_write_error(tdir, i ? "run_results.json" : "manifest.json", -werr[i]);
    xf_arena_release(&a);
    if (we < 0 && code == XF_EXIT_OK)
        code = XF_EXIT_FAIL; /* the run is not done until its results are on disk */
done:
    if (phase == XF_PHASE_COMPILE)
        xf_pp_finish(cli, s, ncompiled, NULL, 0, code == XF_EXIT_OK && !interrupted && ncompiled);
    if (interrupted)
        code = 128 + interrupted; /* as a shell reports a process the signal ended */
    unwatch_signals();            /* before the session goes: the watcher may be cancelling it */
    free(sel);
    xf_session_free(s);
    xf_diags_release(&d);
    return code;
}

int xf_cmd_run(struct xf_cli *cli)
{
    return xf_cmd_execute(cli, XF_PHASE_RUN);
}

int xf_cmd_seed(struct xf_cli *cli)
{
    return xf_cmd_execute(cli, XF_PHASE_SEED);
}

int xf_cmd_test(struct xf_cli *cli)
{
    return xf_cmd_execute(cli, XF_PHASE_TEST);
}

int xf_cmd_build(struct xf_cli *cli)
{
    return xf_cmd_execute(cli, XF_PHASE_BUILD);
}

int xf_cmd_snapshot(struct xf_cli *cli)
{
    return xf_cmd_execute(cli, XF_PHASE_SNAPSHOT);
}

int xf_cmd_compile(struct xf_cli *cli)
{
    if (xf_compile_check_output(cli) < 0)
        return XF_EXIT_USAGE;
    if (cli->inline_sql)
        return xf_cmd_compile_inline(cli);
    return xf_cmd_execute(cli, XF_PHASE_COMPILE);
}
