// SPDX-License-Identifier: MIT
/*
 * Console output in dbt's shape: a timestamp, `i of N START ...` and
 * `i of N OK created ...` lines padded with dots to a status column, and
 * `Done. PASS=… WARN=… ERROR=… SKIP=… TOTAL=…`. Colour only on a terminal.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cli.h"

#define GREEN "\033[32m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define RESET "\033[0m"

static void stamp(FILE *f)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    fprintf(f, "%02d:%02d:%02d  ", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void xf_console_line(const struct xf_cli *cli, const char *fmt, ...)
{
    if (cli->quiet)
        return;
    stamp(stdout);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
}

void xf_console_diags(const struct xf_cli *cli, const struct xf_diags *d)
{
    fflush(stdout); /* keep the order of progress and errors in a shared log */
    struct xf_buf b = XF_BUF_INIT;
    for (const struct xf_diag *g = d->head; g; g = g->next) {
        xf_buf_reset(&b);
        xf_diag_format(&b, g, cli->color);
        fputs(b.ptr, stderr);
    }
    fflush(stderr);
    xf_buf_release(&b);
}

static const char *plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

void xf_console_found(const struct xf_cli *cli, struct xf_session *s)
{
    struct xf_project *p = xf_session_project(s);
    size_t counts[6] = {0};
    for (size_t i = 0; i < p->nodes.n; i++) {
        if (xf_node_config_bool(p->nodes.v[i], "enabled", true))
            counts[p->nodes.v[i]->type]++;
    }
    xf_console_line(cli, "Running with xform=%s", XF_VERSION);
    if (p->target.embedded_default)
        xf_console_line(cli, "No profile found: using the embedded SQLite database %s",
                        p->target.database);
    xf_console_line(cli, "Found %zu %s, %zu %s, %zu %s, %zu %s, %zu %s, %zu %s",
                    counts[XF_RES_MODEL], plural(counts[XF_RES_MODEL], "model", "models"),
                    counts[XF_RES_SEED], plural(counts[XF_RES_SEED], "seed", "seeds"),
                    counts[XF_RES_TEST], plural(counts[XF_RES_TEST], "data test", "data tests"),
                    counts[XF_RES_SNAPSHOT],
                    plural(counts[XF_RES_SNAPSHOT], "snapshot", "snapshots"), p->sources.n,
                    plural(p->sources.n, "source", "sources"), p->macros.n,
                    plural(p->macros.n, "macro", "macros"));
}

static const char *mat_of(const struct xf_node *n)
{
    return xf_node_config_str(n, "materialized", n->type == XF_RES_MODEL ? "view" : "");
}

/* "sql view model main.stg_orders", "seed file main.raw_orders", "test not_null_x" */
static void describe(struct xf_buf *b, const struct xf_node *n)
{
    switch (n->type) {
    case XF_RES_MODEL:
        xf_buf_addf(b, "sql %s model %s.%s", mat_of(n), n->schema, n->alias);
        break;
    case XF_RES_SEED:
        xf_buf_addf(b, "seed file %s.%s", n->schema, n->alias);
        break;
    case XF_RES_SNAPSHOT:
        xf_buf_addf(b, "snapshot %s.%s", n->schema, n->alias);
        break;
    case XF_RES_TEST:
        xf_buf_addf(b, "test %s", n->name);
        break;
    default:
        xf_buf_addf(b, "%s %s", xf_resource_name(n->type), n->name);
    }
}

static void progress(const struct xf_cli *cli, size_t i, size_t total, const char *msg,
                     const char *status, const char *color)
{
    if (cli->quiet)
        return;
    char head[64];
    snprintf(head, sizeof head, "%zu of %zu ", i, total);
    size_t len = strlen(head) + strlen(msg);
    int dots = len < 70 ? (int)(70 - len) : 3;
    stamp(stdout);
    printf("%s%s ", head, msg);
    for (int k = 0; k < dots; k++)
        fputc('.', stdout);
    if (cli->color && color)
        printf(" [%s%s%s]\n", color, status, RESET);
    else
        printf(" [%s]\n", status);
    fflush(stdout);
}

static void ev_start(void *user, size_t i, size_t total, const struct xf_node *n)
{
    struct xf_cli *cli = user;
    if (!strcmp(cli->command, "compile"))
        return;
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_adds(&b, "START ");
    describe(&b, n);
    progress(cli, i, total, b.ptr, "RUN", NULL);
    xf_buf_release(&b);
}

static void ev_done(void *user, size_t i, size_t total, const struct xf_node *n,
                    const struct xf_node_result *r)
{
    struct xf_cli *cli = user;
    if (!strcmp(cli->command, "compile"))
        return;
    struct xf_buf msg = XF_BUF_INIT, st = XF_BUF_INIT;
    const char *color = GREEN;
    double t = r->execution_time;
    switch (r->status) {
    case XF_ST_SUCCESS:
        if (n->type == XF_RES_SEED) {
            xf_buf_adds(&msg, "OK loaded ");
            xf_buf_addf(&st, "INSERT %lld in %.2fs", r->rows_affected, t);
        } else {
            xf_buf_adds(&msg, "OK created ");
            xf_buf_addf(&st, "%s in %.2fs", r->message ? r->message : "OK", t);
        }
        describe(&msg, n);
        break;
    case XF_ST_PASS:
        xf_buf_addf(&msg, "PASS %s", n->name);
        xf_buf_addf(&st, "PASS in %.2fs", t);
        break;
    case XF_ST_WARN:
        color = YELLOW;
        xf_buf_addf(&msg, "WARN %lld %s", r->failures, n->name);
        xf_buf_addf(&st, "WARN %lld in %.2fs", r->failures, t);
        break;
    case XF_ST_FAIL:
        color = RED;
        xf_buf_addf(&msg, "FAIL %lld %s", r->failures, n->name);
        xf_buf_addf(&st, "FAIL %lld in %.2fs", r->failures, t);
        break;
    case XF_ST_SKIPPED:
        color = YELLOW;
        xf_buf_adds(&msg, "SKIP ");
        if (n->type == XF_RES_TEST)
            xf_buf_addf(&msg, "test %s", n->name);
        else
            xf_buf_addf(&msg, "relation %s.%s", n->schema, n->alias);
        xf_buf_adds(&st, "SKIP");
        break;
    default:
        color = RED;
        xf_buf_adds(&msg, n->type == XF_RES_TEST ? "ERROR " : "ERROR creating ");
        describe(&msg, n);
        xf_buf_addf(&st, "ERROR in %.2fs", t);
        break;
    }
    progress(cli, i, total, msg.ptr, st.ptr, color);
    xf_buf_release(&msg);
    xf_buf_release(&st);
}

void xf_console_begin(void *user, size_t total, int threads)
{
    struct xf_cli *cli = user;
    xf_console_line(cli, "%s", "");
    if (cli->target_name) /* dbt's line */
        xf_console_line(cli, "Concurrency: %d %s (target='%s')", threads,
                        threads == 1 ? "thread" : "threads", cli->target_name);
    else
        xf_console_line(cli, "Concurrency: %d %s", threads, threads == 1 ? "thread" : "threads");
    xf_console_line(cli, "%s", "");
    (void)total;
}

static void ev_log(void *user, const char *msg, bool info)
{
    struct xf_cli *cli = user;
    if (info)
        xf_console_line(cli, "%s", msg);
}

void xf_console_events(struct xf_events *ev, struct xf_cli *cli)
{
    memset(ev, 0, sizeof *ev);
    ev->user = cli;
    ev->begin = xf_console_begin;
    ev->node_start = ev_start;
    ev->node_done = ev_done;
    ev->log = ev_log;
}

static const char *kind_word(const struct xf_node *n)
{
    switch (n->type) {
    case XF_RES_SEED:
        return "seed";
    case XF_RES_TEST:
        return "test";
    case XF_RES_SNAPSHOT:
        return "snapshot";
    default:
        return "model";
    }
}

static int by_node(const void *a, const void *b)
{
    const struct xf_node *x = (*(const struct xf_node_result *const *)a)->node;
    const struct xf_node *y = (*(const struct xf_node_result *const *)b)->node;
    return strcmp(x->unique_id, y->unique_id);
}

int xf_console_summary(const struct xf_cli *cli, struct xf_session *s,
                       const struct xf_node_result *r, size_t n, double elapsed, int rc)
{
    size_t pass = 0, warn = 0, error = 0, skip = 0;
    for (size_t i = 0; i < n; i++) {
        switch (r[i].status) {
        case XF_ST_SUCCESS:
        case XF_ST_PASS:
            pass++;
            break;
        case XF_ST_WARN:
            warn++;
            break;
        case XF_ST_SKIPPED:
            skip++;
            break;
        default:
            error++;
        }
    }
    int h = (int)(elapsed / 3600), m = (int)(elapsed / 60) % 60;
    double sec = elapsed - h * 3600 - m * 60;
    xf_console_line(cli, "%s", "");
    xf_console_line(cli, "Finished running %zu %s in %d hours %d minutes and %.2f seconds (%.2fs).",
                    n, n == 1 ? "node" : "nodes", h, m, sec, elapsed);
    xf_console_line(cli, "%s", "");
    if (error == 0 && warn == 0) {
        if (cli->color && !cli->quiet)
            xf_console_line(cli, GREEN "Completed successfully" RESET);
        else
            xf_console_line(cli, "Completed successfully");
    } else {
        const char *c = error ? RED : YELLOW;
        xf_console_line(cli, "%sCompleted with %zu %s and %zu %s:%s", cli->color ? c : "", error,
                        error == 1 ? "error" : "errors", warn, warn == 1 ? "warning" : "warnings",
                        cli->color ? RESET : "");
        struct xf_project *p = xf_session_project(s);
        /* Completion order varies with threads: list problems in project order. */
        const struct xf_node_result **sorted = xf_calloc(n + 1, sizeof *sorted);
        for (size_t i = 0; i < n; i++)
            sorted[i] = &r[i];
        qsort(sorted, n, sizeof *sorted, by_node);
        for (size_t i = 0; i < n; i++) {
            const struct xf_node_result *x = sorted[i];
            if (x->status == XF_ST_SUCCESS || x->status == XF_ST_PASS || x->status == XF_ST_SKIPPED)
                continue;
            xf_console_line(cli, "%s", "");
            const struct xf_node *nd = x->node;
            if (x->status == XF_ST_FAIL || x->status == XF_ST_WARN) {
                xf_console_line(cli, "%s in test %s (%s)",
                                x->status == XF_ST_FAIL ? "Failure" : "Warning", nd->name,
                                nd->original_file_path);
                xf_console_line(cli, "  %s", x->message ? x->message : "Got failures");
            } else {
                xf_console_line(cli, "Error in %s %s (%s)", kind_word(nd), nd->name,
                                nd->original_file_path ? nd->original_file_path : "");
                /* Indent every line of the message. */
                const char *m2 = x->message ? x->message : "";
                while (*m2) {
                    const char *e = strchr(m2, '\n');
                    size_t len = e ? (size_t)(e - m2) : strlen(m2);
                    xf_console_line(cli, "  %.*s", (int)len, m2);
                    m2 += len + (e ? 1 : 0);
                }
            }
            if (nd->type != XF_RES_SEED && nd->original_file_path)
                xf_console_line(cli, "  compiled code at %s/compiled/%s/%s%s%s",
                                p->target_path ? p->target_path : "target", p->name,
                                nd->original_file_path, nd->decl ? "/" : "",
                                nd->decl ? nd->path : "");
        }
        free(sorted);
    }
    xf_console_line(cli, "%s", "");
    /* The last line is printed even with --quiet: CI logs want it. */
    stamp(stdout);
    printf("Done. PASS=%zu WARN=%zu ERROR=%zu SKIP=%zu TOTAL=%zu\n", pass, warn, error, skip, n);
    fflush(stdout);
    return rc;
}
