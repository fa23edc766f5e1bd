// SPDX-License-Identifier: MIT
/*
 * Console output in dbt's shape: a timestamp, `i of N START ...` and
 * `i of N OK created ...` lines padded with dots to a status column, and
 * `Done. PASS=… WARN=… ERROR=… SKIP=… TOTAL=…`. Colour only on a terminal.
 * With --log-format json every line is instead one JSON object, as dbt's
 * structured log: {"data": {...}, "info": {"name": "LogModelResult",
 * "code": "Q012", "level", "msg", "invocation_id", "pid", "thread", "ts",
 * ...}}, node events with dbt's node_info, so CI tools that read dbt's
 * JSON log read ours.
 */
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/progress.h"
#include "util/json.h"

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

/* "2026-11-22T02:40:08.123456Z" for unix time t (UTC). */
static void iso_time(char out[64], double t)
{
    time_t sec = (time_t)t;
    struct tm tm;
    gmtime_r(&sec, &tm);
    long us = (long)((t - (double)sec) * 1e6 + 0.5);
    if (us > 999999)
        us = 999999;
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us < 0 ? 0 : us);
}

/* The commands time themselves (elapsed, XF_TIMINGS) with the console's clock. */
double xf_cli_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* A JSON string of any bytes (invalid UTF-8 would make jansson refuse it). */
static json_t *jstr(const char *s)
{
    json_t *j = json_string(s ? s : "");
    if (j)
        return j;
    struct xf_buf b = XF_BUF_INIT;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        xf_buf_addch(&b, *p < 0x80 ? (char)*p : '?');
    j = json_string(b.ptr ? b.ptr : "");
    xf_buf_release(&b);
    return j;
}

bool xf_console_shows(const struct xf_cli *cli, const char *level)
{
    int lv = xf_log_level(level);
    return (lv < 0 ? XF_LOG_INFO : lv) >= cli->console_level && cli->console_level != XF_LOG_NONE;
}

/* kind 'f': file_only, 'e': emit to the file too, 'c': emit to the console only */
static void pp_record(const struct xf_cli *cli, char kind, const char *name, const char *code,
                      const char *level, json_t *data, const char *msg)
{
    struct xf_pp_rec *r = cli->pp;
    if (!r || r->paused)
        return;
    char *js = data ? json_dumps(data, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    pthread_mutex_lock(&r->mu);
    struct xf_buf *b = &r->events;
    xf_buf_addch(b, kind);
    const char *parts[4] = {name, code, level, msg};
    for (int i = 0; i < 4; i++)
        xf_buf_add(b, parts[i] ? parts[i] : "", strlen(parts[i] ? parts[i] : "") + 1);
    xf_buf_add(b, js ? js : "", strlen(js ? js : "") + 1);
    pthread_mutex_unlock(&r->mu);
    free(js);
}

/* An event the console does not show (--quiet, --log-level) still goes to the log file. */
static void file_only(const struct xf_cli *cli, const char *name, const char *code,
                      const char *level, json_t *data, const char *msg)
{
    pp_record(cli, 'f', name, code, level, data, msg);
    xf_logfile_event(cli, name, code, level, data, msg);
    json_decref(data);
}

/* `to_file`: also into the log file (a diagnostic is there already). */
static void emit(const struct xf_cli *cli, const char *name, const char *code, const char *level,
                 json_t *data, const char *msg, bool to_file)
{
    pp_record(cli, to_file ? 'e' : 'c', name, code, level, data, msg);
    if (!xf_console_shows(cli, level)) {
        if (to_file)
            xf_logfile_event(cli, name, code, level, data, msg);
        json_decref(data);
        return;
    }
    if (to_file)
        xf_logfile_event(cli, name, code, level, data, msg);
    if (!cli->json_log) {
        xf_progress_hold(); /* the status line goes, the line is written, it comes back */
        stamp(stdout);
        fputs(msg, stdout);
        fputc('\n', stdout);
        fflush(stdout); /* a piped log (CI, a supervisor) sees progress as it happens */
        xf_progress_resume();
        json_decref(data);
        return;
    }
    char ts[64];
    iso_time(ts, xf_cli_now());
    json_t *info = json_object();
    json_object_set_new(info, "category", json_string(""));
    json_object_set_new(info, "code", json_string(code));
    json_object_set_new(info, "extra", json_object());
    json_object_set_new(info, "invocation_id", jstr(cli->invocation_id));
    json_object_set_new(info, "level", json_string(level));
    json_object_set_new(info, "msg", jstr(msg));
    json_object_set_new(info, "name", json_string(name));
    json_object_set_new(info, "pid", json_integer((json_int_t)getpid()));
    json_object_set_new(info, "thread", json_string("MainThread"));
    json_object_set_new(info, "ts", json_string(ts));
    json_t *o = json_object();
    json_object_set_new(o, "data", data ? data : json_object());
    json_object_set_new(o, "info", info);
    char *line = json_dumps(o, JSON_SORT_KEYS); /* dbt's key order and separators */
    if (line) {
        fputs(line, stdout);
        fputc('\n', stdout);
        free(line);
    }
    json_decref(o);
    fflush(stdout);
}

void xf_console_emit(const struct xf_cli *cli, const char *name, const char *code,
                     const char *level, json_t *data, const char *msg)
{
    emit(cli, name, code, level, data, msg, true);
}

void xf_console_replay(const struct xf_cli *cli, const char *ev, size_t len)
{
    const char *end = ev + len;
    while (ev < end) {
        char kind = *ev++;
        const char *f[5];
        for (int i = 0; i < 5; i++) {
            const char *z = memchr(ev, 0, (size_t)(end - ev));
            if (!z)
                return; /* checked by the cache's checksum: cannot happen */
            f[i] = ev;
            ev = z + 1;
        }
        json_t *data = *f[4] ? json_loads(f[4], 0, NULL) : NULL;
        if (kind == 'f')
            file_only(cli, f[0], f[1], f[2], data, f[3]);
        else
            emit(cli, f[0], f[1], f[2], data, f[3], kind == 'e');
    }
}

/* name NULL: dbt's event for a plain line (Note), or for a blank one (Formatting). */
static void vevent(const struct xf_cli *cli, const char *name, const char *code, json_t *data,
                   const char *fmt, va_list ap)
{
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_vaddf(&b, fmt, ap);
    const char *msg = b.ptr ? b.ptr : "";
    if (!name) {
        name = *msg ? "Note" : "Formatting";
        code = *msg ? "Z050" : "Z017";
    }
    if (cli->quiet)
        file_only(cli, name, code, "info", data, msg);
    else
        xf_console_emit(cli, name, code, "info", data, msg);
    xf_buf_release(&b);
}

void xf_console_event(const struct xf_cli *cli, const char *name, const char *code, json_t *data,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vevent(cli, name, code, data, fmt, ap);
    va_end(ap);
}

void xf_console_line(const struct xf_cli *cli, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vevent(cli, NULL, NULL, NULL, fmt, ap);
    va_end(ap);
}

void xf_console_write_error(const char *dir, const char *file, int errnum)
{
    fprintf(stderr, "error: could not write '%s/%s': %s\n", dir, file ? file : "?",
            strerror(errnum));
    fprintf(stderr, "  it was not replaced: what is there is from an earlier invocation, if "
                    "anything; free space on that disk (or raise the file size limit) and run "
                    "again\n");
    fflush(stderr);
}

void xf_console_diags(const struct xf_cli *cli, const struct xf_diags *d)
{
    if (!d->head)
        return;
    if (cli->pp)
        cli->pp->diag = true;
    xf_progress_hold();
    fflush(stdout); /* keep the order of progress and errors in a shared log */
    struct xf_buf b = XF_BUF_INIT;
    for (const struct xf_diag *g = d->head; g; g = g->next) {
        bool err = g->sev == XF_SEV_ERROR;
        if (cli->logfile) {
            xf_buf_reset(&b);
            xf_diag_format(&b, g, false);
            while (b.len && b.ptr[b.len - 1] == '\n')
                b.ptr[--b.len] = 0;
            xf_logfile_event(cli, err ? "MainEncounteredError" : "Note", err ? "Z002" : "Z050",
                             err ? "error" : "warn", NULL, b.ptr);
        }
        if (!xf_console_shows(cli, err ? "error" : "warn"))
            continue;
        xf_buf_reset(&b);
        xf_diag_format(&b, g, cli->color);
        if (cli->json_log) {
            /* in the JSON stream too, so a CI job reading stdout sees them */
            while (b.len && b.ptr[b.len - 1] == '\n')
                b.ptr[--b.len] = 0;
            json_t *data = json_pack("{s:o}", "exc", jstr(b.ptr));
            emit(cli, err ? "MainEncounteredError" : "Note", err ? "Z002" : "Z050",
                 err ? "error" : "warn", data, b.ptr, false);
        } else {
            fputs(b.ptr, stderr);
        }
    }
    fflush(stderr);
    xf_buf_release(&b);
    xf_progress_resume();
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
    xf_console_event(cli, "MainReportVersion", "A001",
                     json_pack("{s:i, s:s}", "log_version", 3, "version", "=" XF_VERSION),
                     "Running with xform=%s", XF_VERSION);
    if (p->target.embedded_default)
        xf_console_line(cli, "No profile found: using the embedded SQLite database %s",
                        p->target.database);
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_addf(&b, "%zu %s, %zu %s, %zu %s, %zu %s, %zu %s, %zu %s", counts[XF_RES_MODEL],
                plural(counts[XF_RES_MODEL], "model", "models"), counts[XF_RES_SEED],
                plural(counts[XF_RES_SEED], "seed", "seeds"), counts[XF_RES_TEST],
                plural(counts[XF_RES_TEST], "data test", "data tests"), counts[XF_RES_SNAPSHOT],
                plural(counts[XF_RES_SNAPSHOT], "snapshot", "snapshots"), p->sources.n,
                plural(p->sources.n, "source", "sources"), p->macros.n,
                plural(p->macros.n, "macro", "macros"));
    /* the resources that are not built, named only when the project has some (as dbt) */
    static const struct {
        enum xf_resource t;
        const char *one, *many;
    } more[] = {
        {XF_RES_UNIT_TEST, "unit test", "unit tests"},
        {XF_RES_EXPOSURE, "exposure", "exposures"},
        {XF_RES_METRIC, "metric", "metrics"},
        {XF_RES_SEMANTIC_MODEL, "semantic model", "semantic models"},
        {XF_RES_SAVED_QUERY, "saved query", "saved queries"},
    };
    for (size_t k = 0; k < sizeof more / sizeof more[0]; k++) {
        size_t c = 0;
        for (size_t i = 0; i < p->others.n; i++)
            c += p->others.v[i]->type == more[k].t &&
                 xf_node_config_bool(p->others.v[i], "enabled", true);
        if (c)
            xf_buf_addf(&b, ", %zu %s", c, c == 1 ? more[k].one : more[k].many);
    }
    xf_console_event(cli, "FoundStats", "W006", json_pack("{s:o}", "stat_line", jstr(b.ptr)),
                     "Found %s", b.ptr);
    xf_buf_release(&b);
}

/* "sql view model main.stg_orders", "seed file main.raw_orders", "test not_null_x" */
static void describe(struct xf_buf *b, const struct xf_node *n)
{
    switch (n->type) {
    case XF_RES_MODEL: {
        /* dbt names a microbatch model by its strategy: "sql microbatch model" */
        const char *strat = xf_node_config_str(n, "incremental_strategy", NULL);
        bool mb = n->mat == XF_MAT_INCREMENTAL && strat && !strcmp(strat, "microbatch");
        xf_buf_addf(b, "sql %s model %s.%s", mb ? "microbatch" : n->mat_name, n->schema, n->alias);
        break;
    }
    case XF_RES_SEED:
        xf_buf_addf(b, "seed file %s.%s", n->schema, n->alias);
        break;
    case XF_RES_SNAPSHOT:
        xf_buf_addf(b, "snapshot %s.%s", n->schema, n->alias);
        break;
    case XF_RES_TEST:
        xf_buf_addf(b, "test %s", n->name);
        break;
    case XF_RES_UNIT_TEST:
        xf_buf_addf(b, "unit_test %s::%s", n->unit ? n->unit->model : "", n->name);
        break;
    default:
        xf_buf_addf(b, "%s %s", xf_resource_name(n->type), n->name);
    }
}

/* dbt's node_info: what a JSON log consumer keys node events on. */
static json_t *node_info(const struct xf_node *n, const char *status, double started,
                         double finished)
{
    char s_at[64] = "", f_at[64] = "";
    if (started > 0)
        iso_time(s_at, started);
    if (finished > 0)
        iso_time(f_at, finished);
    json_t *rel = json_pack("{s:o, s:o, s:o, s:o}", "database", jstr(n->database), "schema",
                            jstr(n->schema), "alias", jstr(n->alias ? n->alias : n->name),
                            "relation_name", jstr(n->relation_name));
    return json_pack("{s:o, s:o, s:o, s:s, s:o, s:s, s:s, s:s, s:o, s:o}", "node_path",
                     jstr(n->path), "node_name", jstr(n->name), "unique_id", jstr(n->unique_id),
                     "resource_type", xf_resource_name(n->type), "materialized", jstr(n->mat_name),
                     "node_status", status, "node_started_at", s_at, "node_finished_at", f_at,
                     "meta", n->meta.t == XF_V_DICT ? xf_value_to_json(&n->meta) : json_object(),
                     "node_relation", rel);
}

/* An `i of N ... [status]` line; in JSON, the event `name` with `data` (stolen). */
static void progress(const struct xf_cli *cli, size_t i, size_t total, const char *msg,
                     const char *status, const char *color, const char *name, const char *code,
                     const char *level, json_t *data)
{
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_addf(&b, "%zu of %zu %s ", i, total, msg);
    size_t len = b.len - 1;
    int dots = len < 70 ? (int)(70 - len) : 3;
    for (int k = 0; k < dots; k++)
        xf_buf_addch(&b, '.');
    if (cli->color && color)
        xf_buf_addf(&b, " [%s%s%s]", color, status, RESET);
    else
        xf_buf_addf(&b, " [%s]", status);
    if (cli->quiet)
        file_only(cli, name, code, level, data, b.ptr);
    else
        xf_console_emit(cli, name, code, level, data, b.ptr);
    xf_buf_release(&b);
}

static void ev_start(void *user, size_t i, size_t total, const struct xf_node *n)
{
    struct xf_cli *cli = user;
    if (!strcmp(cli->command, "compile"))
        return;
    xf_progress_node_start(n);
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_adds(&b, "START ");
    describe(&b, n);
    const char *description = b.ptr + strlen("START ");
    json_t *data = NULL;
    if (cli->json_data)
        data = json_pack("{s:o, s:I, s:I, s:o}", "description", jstr(description), "index",
                         (json_int_t)i, "total", (json_int_t)total, "node_info",
                         node_info(n, "started", xf_cli_now(), 0));
    progress(cli, i, total, b.ptr, "RUN", NULL, "LogStartLine", "Q011", "info", data);
    xf_buf_release(&b);
}

static void ev_done(void *user, size_t i, size_t total, const struct xf_node *n,
                    const struct xf_node_result *r)
{
    struct xf_cli *cli = user;
    if (!strcmp(cli->command, "compile"))
        return;
    xf_progress_node_done(n);
    /* Cancelled: what never started is counted once in the summary, not a SKIP line each. */
    if (r->status == XF_ST_SKIPPED && xf_cmd_interrupted())
        return;
    struct xf_buf msg = XF_BUF_INIT, st = XF_BUF_INIT;
    const char *color = GREEN;
    double t = r->execution_time;
    switch (r->cancelled ? -1 : (int)r->status) {
    case -1: /* cancelled */
        color = YELLOW;
        xf_buf_adds(&msg, "CANCELLED ");
        describe(&msg, n);
        xf_buf_addf(&st, "ROLLED BACK after %.2fs", t);
        break;
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
    case XF_ST_PARTIAL_SUCCESS: {
        size_t ok = 0;
        for (size_t k = 0; k < r->nbatches; k++)
            ok += r->batches[k].status == XF_ST_SUCCESS;
        color = YELLOW;
        xf_buf_addf(&msg, "PARTIAL SUCCESS (%zu/%zu) ", ok, r->nbatches);
        describe(&msg, n);
        xf_buf_addf(&st, "PARTIAL SUCCESS (%zu/%zu) in %.2fs", ok, r->nbatches, t);
        break;
    }
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
        else if (n->type == XF_RES_UNIT_TEST)
            describe(&msg, n);
        else
            xf_buf_addf(&msg, "relation %s.%s", n->schema, n->alias);
        xf_buf_adds(&st, "SKIP");
        break;
    default:
        color = RED;
        xf_buf_adds(&msg, n->type == XF_RES_TEST || n->type == XF_RES_UNIT_TEST
                              ? "ERROR "
                              : "ERROR creating ");
        describe(&msg, n);
        xf_buf_addf(&st, "ERROR in %.2fs", t);
        break;
    }
    const char *status = xf_status_name(r->status);
    const char *level = r->status == XF_ST_ERROR || r->status == XF_ST_FAIL             ? "error"
                        : r->status == XF_ST_WARN || r->status == XF_ST_PARTIAL_SUCCESS ? "warn"
                                                                                        : "info";
    const char *name = "LogModelResult", *code = "Q012";
    if (r->status == XF_ST_SKIPPED)
        name = "SkippingDetails", code = "Q034", level = "info";
    else if (n->type == XF_RES_TEST)
        name = "LogTestResult", code = "Q007";
    else if (n->type == XF_RES_SEED)
        name = "LogSeedResult", code = "Q016";
    else if (n->type == XF_RES_SNAPSHOT)
        name = "LogSnapshotResult", code = "Q015";
    json_t *data = NULL;
    if (cli->json_data) {
        struct xf_buf d = XF_BUF_INIT;
        describe(&d, n);
        data = json_pack("{s:o, s:s, s:I, s:I, s:f, s:o}", "description", jstr(d.ptr), "status",
                         status, "index", (json_int_t)i, "total", (json_int_t)total,
                         "execution_time", t, "node_info",
                         node_info(n, status, r->compile_started, r->execute_completed));
        if (n->type == XF_RES_TEST)
            json_object_set_new(data, "num_failures",
                                json_integer(r->failures > 0 ? r->failures : 0));
        xf_buf_release(&d);
    }
    progress(cli, i, total, msg.ptr, st.ptr, color, name, code, level, data);
    xf_buf_release(&msg);
    xf_buf_release(&st);
}

/* Threads were asked of a one-writer adapter and the run got one: say why. */
static void capped_threads_warning(const struct xf_cli *cli, int threads)
{
    if (cli->capped.want <= 1 || threads != 1)
        return;
    struct xf_diags d;
    xf_diags_init(&d);
    struct xf_diag *g;
    if (!cli->capped.target)
        g = xf_diag_add(&d, XF_SEV_WARNING, XF_NOLOC,
                        "--threads %d is capped to 1 on %s: it allows one writer at a time, so "
                        "nodes run one after another",
                        cli->capped.want, cli->capped.adapter);
    else
        g = xf_diag_add(&d, XF_SEV_WARNING, XF_NOLOC,
                        "threads: %d of target '%s' is capped to 1 on %s: it allows one writer "
                        "at a time, so nodes run one after another",
                        cli->capped.want, cli->capped.target, cli->capped.adapter);
    xf_diag_hint(g, "more threads help on PostgreSQL; 'xform compile' uses every core anyway");
    xf_console_diags(cli, &d);
    xf_diags_release(&d);
}

void xf_console_begin(void *user, size_t total, int threads)
{
    struct xf_cli *cli = user;
    capped_threads_warning(cli, threads);
    xf_console_line(cli, "%s", "");
    json_t *data = json_pack("{s:i, s:o}", "num_threads", threads, "target_name",
                             jstr(cli->target_name ? cli->target_name : ""));
    if (cli->target_name) /* dbt's line */
        xf_console_event(cli, "ConcurrencyLine", "Q027", data, "Concurrency: %d %s (target='%s')",
                         threads, threads == 1 ? "thread" : "threads", cli->target_name);
    else
        xf_console_event(cli, "ConcurrencyLine", "Q027", data, "Concurrency: %d %s", threads,
                         threads == 1 ? "thread" : "threads");
    xf_console_line(cli, "%s", "");
    xf_progress_begin(total, threads);
}

static void ev_log(void *user, const char *msg, bool info)
{
    struct xf_cli *cli = user;
    if (info)
        xf_console_line(cli, "%s", msg);
}

/* `Batch i of N START batch <id> of <relation> ... [RUN]`, as dbt. */
static void ev_batch_start(void *user, const struct xf_node *n, size_t i, size_t total,
                           const char *id)
{
    struct xf_cli *cli = user;
    if (!strcmp(cli->command, "compile"))
        return;
    struct xf_buf line = XF_BUF_INIT;
    xf_buf_addf(&line, "Batch %zu of %zu START batch %s of %s.%s ", i + 1, total, id, n->schema,
                n->alias);
    size_t len = line.len - 1;
    for (int k = 0, dots = len < 70 ? (int)(70 - len) : 3; k < dots; k++)
        xf_buf_addch(&line, '.');
    xf_buf_adds(&line, " [RUN]");
    json_t *data = NULL;
    if (cli->json_data)
        data = json_pack("{s:s, s:I, s:I, s:o}", "batch_id", id, "index", (json_int_t)(i + 1),
                         "total", (json_int_t)total, "node_info", node_info(n, "started", 0, 0));
    if (cli->quiet)
        file_only(cli, "LogStartBatch", "Q044", "info", data, line.ptr);
    else
        xf_console_emit(cli, "LogStartBatch", "Q044", "info", data, line.ptr);
    xf_buf_release(&line);
}

/* A microbatch model's batch: `Batch i of N OK created batch <id> of <relation> ... [status]`. */
static void ev_batch(void *user, const struct xf_node *n, size_t i, size_t total,
                     const struct xf_batch_result *b)
{
    struct xf_cli *cli = user;
    if (!strcmp(cli->command, "compile"))
        return;
    bool ok = b->status == XF_ST_SUCCESS;
    struct xf_buf line = XF_BUF_INIT;
    xf_buf_addf(&line, "Batch %zu of %zu %s batch %s of %s.%s ", i + 1, total,
                ok ? "OK created" : "ERROR creating", b->id, n->schema, n->alias);
    size_t len = line.len - 1;
    for (int k = 0, dots = len < 70 ? (int)(70 - len) : 3; k < dots; k++)
        xf_buf_addch(&line, '.');
    const char *word = ok ? "SUCCESS" : "ERROR";
    if (cli->color)
        xf_buf_addf(&line, " [%s%s in %.2fs%s]", ok ? GREEN : RED, word, b->execution_time, RESET);
    else
        xf_buf_addf(&line, " [%s in %.2fs]", word, b->execution_time);
    json_t *data = NULL;
    if (cli->json_data)
        data = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:o}", "batch_id", b->id, "status",
                         ok ? "success" : "error", "index", (json_int_t)(i + 1), "total",
                         (json_int_t)total, "event_time_start", b->start, "event_time_end", b->end,
                         "node_info", node_info(n, ok ? "success" : "error", 0, 0));
    const char *level = ok ? "info" : "error";
    if (cli->quiet)
        file_only(cli, "LogBatchResult", "Q045", level, data, line.ptr);
    else
        xf_console_emit(cli, "LogBatchResult", "Q045", level, data, line.ptr);
    xf_buf_release(&line);
}

void xf_console_events(struct xf_events *ev, struct xf_cli *cli)
{
    memset(ev, 0, sizeof *ev);
    ev->user = cli;
    ev->begin = xf_console_begin;
    ev->node_start = ev_start;
    ev->node_done = ev_done;
    ev->batch_start = ev_batch_start;
    ev->batch_done = ev_batch;
    ev->log = ev_log;
}

static const char *kind_word(const struct xf_node *n)
{
    switch (n->type) {
    case XF_RES_SEED:
        return "seed";
    case XF_RES_TEST:
        return "test";
    case XF_RES_UNIT_TEST:
        return "unit_test";
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

/*
 * Each node that failed or warned, in project order: what, where, the
 * message, the compiled code. `out` prints even with --quiet (its errors are
 * what -q keeps); `gaps` puts a blank line before each, as dbt.
 */
static void print_problems(const struct xf_cli *out, struct xf_session *s,
                           const struct xf_node_result *r, size_t n, bool gaps)
{
    struct xf_project *p = xf_session_project(s);
    /* Completion order varies with threads: list problems in project order. */
    const struct xf_node_result **sorted = xf_calloc(n + 1, sizeof *sorted);
    for (size_t i = 0; i < n; i++)
        sorted[i] = &r[i];
    qsort(sorted, n, sizeof *sorted, by_node);
    for (size_t i = 0; i < n; i++) {
        const struct xf_node_result *x = sorted[i];
        if (x->status == XF_ST_SUCCESS || x->status == XF_ST_PASS || x->status == XF_ST_SKIPPED ||
            x->cancelled)
            continue;
        if (gaps)
            xf_console_line(out, "%s", "");
        const struct xf_node *nd = x->node;
        json_t *who = json_pack("{s:s, s:o, s:o, s:o}", "resource_type", kind_word(nd), "node_name",
                                jstr(nd->name), "path", jstr(nd->original_file_path), "unique_id",
                                jstr(nd->unique_id));
        if (x->status == XF_ST_FAIL || x->status == XF_ST_WARN) {
            bool fail = x->status == XF_ST_FAIL;
            xf_console_event(out, fail ? "RunResultFailure" : "RunResultWarning",
                             fail ? "Z022" : "Z021", who, "%s in %s %s (%s)",
                             fail ? "Failure" : "Warning",
                             nd->type == XF_RES_UNIT_TEST ? "unit_test" : "test", nd->name,
                             nd->original_file_path);
            /* Indent every line of the message (a unit test's diff has many). */
            const char *m1 = x->message ? x->message : "Got failures";
            while (*m1) {
                const char *e = strchr(m1, '\n');
                size_t len = e ? (size_t)(e - m1) : strlen(m1);
                xf_console_event(out, fail ? "RunResultError" : "RunResultWarningMessage",
                                 fail ? "Z024" : "Z046", NULL, "  %.*s", (int)len, m1);
                m1 += len + (e ? 1 : 0);
            }
        } else {
            xf_console_event(out, "RunResultFailure", "Z022", who, "%s in %s %s (%s)",
                             x->compile_error ? "Compilation Error" : "Error", kind_word(nd),
                             nd->name, nd->original_file_path ? nd->original_file_path : "");
            /* Indent every line of the message. */
            const char *m2 = x->message ? x->message : "";
            while (*m2) {
                const char *e = strchr(m2, '\n');
                size_t len = e ? (size_t)(e - m2) : strlen(m2);
                xf_console_event(out, "RunResultError", "Z024", NULL, "  %.*s", (int)len, m2);
                m2 += len + (e ? 1 : 0);
            }
        }
        /* a unit test and a YAML snapshot: <name>.sql beside their YAML file */
        bool beside = nd->type == XF_RES_UNIT_TEST || nd->relation_loc.src;
        if (nd->type != XF_RES_SEED && nd->original_file_path)
            xf_console_event(
                out, "SQLCompiledPath", "Z026", NULL, "  compiled code at %s/compiled/%s/%s%s%s",
                p->target_path ? p->target_path : "target", nd->package ? nd->package : p->name,
                nd->original_file_path, nd->decl || beside ? "/" : "",
                nd->decl ? nd->path
                : beside ? xf_arena_printf(&p->arena, "%s.sql", nd->name)
                         : "");
    }
    free(sorted);
}

static const char *signal_words(int sig)
{
    return sig == SIGINT    ? "Ctrl-C (SIGINT)"
           : sig == SIGTERM ? "SIGTERM"
           : sig == SIGHUP  ? "SIGHUP"
                            : "a signal";
}

/*
 * The run was cancelled by a signal: one summary of what finished, what was
 * running (cancelled, rolled back: named) and how many never started;
 * never "Completed successfully".
 */
static void cancelled_summary(const struct xf_cli *cli, const struct xf_cli *loud,
                              struct xf_session *s, const struct xf_node_result *r, size_t n,
                              double elapsed, size_t pass, size_t warn, size_t error)
{
    size_t rolled = 0, not_started = 0;
    for (size_t i = 0; i < n; i++) {
        rolled += r[i].cancelled;
        not_started += r[i].status == XF_ST_SKIPPED;
    }
    size_t finished = n - rolled - not_started;
    xf_console_line(cli, "%s", "");
    json_t *sum = json_pack("{s:I, s:I, s:b}", "num_errors", (json_int_t)error, "num_warnings",
                            (json_int_t)warn, "keyboard_interrupt", 1);
    xf_console_event(loud, "EndOfRunSummary", "Z030", sum,
                     "%sCancelled by %s after %.2fs: %zu of %zu %s finished, %zu running %s "
                     "cancelled and rolled back, %zu not started%s",
                     cli->color ? YELLOW : "", signal_words(xf_cmd_interrupted()), elapsed,
                     finished, n, n == 1 ? "node" : "nodes", rolled, rolled == 1 ? "was" : "were",
                     not_started, cli->color ? RESET : "");
    for (size_t i = 0; i < n; i++) {
        const struct xf_node *nd = r[i].node;
        if (r[i].cancelled)
            xf_console_event(loud, "Note", "Z050", NULL,
                             "  rolled back: %s %s (%s), it ran %.2fs and changed nothing",
                             kind_word(nd), nd->name,
                             nd->original_file_path ? nd->original_file_path : "",
                             r[i].execution_time);
    }
    if (error || warn)
        print_problems(loud, s, r, n, !cli->quiet);
    xf_console_line(cli, "%s", "");
    char done[200];
    snprintf(done, sizeof done,
             "Cancelled. PASS=%zu WARN=%zu ERROR=%zu ROLLED-BACK=%zu NOT-STARTED=%zu TOTAL=%zu",
             pass, warn, error, rolled, not_started, n);
    xf_console_emit(cli, "StatsLine", "Z023", "info",
                    json_pack("{s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}}", "stats", "error",
                              (json_int_t)error, "pass", (json_int_t)pass, "skip",
                              (json_int_t)not_started, "cancelled", (json_int_t)rolled, "total",
                              (json_int_t)n, "warn", (json_int_t)warn, "finished",
                              (json_int_t)finished),
                    done);
    fflush(stdout);
}

int xf_console_summary(const struct xf_cli *cli, struct xf_session *s,
                       const struct xf_node_result *r, size_t n, double elapsed, int rc)
{
    size_t pass = 0, warn = 0, error = 0, skip = 0;
    for (size_t i = 0; i < n; i++) {
        if (r[i].cancelled)
            continue;
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
    /* -q keeps the errors, each with its node and location, and the last line */
    struct xf_cli loud = *cli;
    loud.quiet = false;
    if (xf_cmd_interrupted()) {
        cancelled_summary(cli, &loud, s, r, n, elapsed, pass, warn, error);
        return rc;
    }
    int h = (int)(elapsed / 3600), m = (int)(elapsed / 60) % 60;
    double sec = elapsed - h * 3600 - m * 60;
    xf_console_line(cli, "%s", "");
    xf_console_line(cli, "Finished running %zu %s in %d hours %d minutes and %.2f seconds (%.2fs).",
                    n, n == 1 ? "node" : "nodes", h, m, sec, elapsed);
    xf_console_line(cli, "%s", "");
    json_t *sum = json_pack("{s:I, s:I, s:b}", "num_errors", (json_int_t)error, "num_warnings",
                            (json_int_t)warn, "keyboard_interrupt", 0);
    if (error == 0 && warn == 0) {
        if (cli->color && !cli->quiet)
            xf_console_event(cli, "EndOfRunSummary", "Z030", sum,
                             GREEN "Completed successfully" RESET);
        else
            xf_console_event(cli, "EndOfRunSummary", "Z030", sum, "Completed successfully");
    } else {
        const char *c = error ? RED : YELLOW;
        xf_console_event(cli, "EndOfRunSummary", "Z030", sum,
                         "%sCompleted with %zu %s and %zu %s:%s", cli->color ? c : "", error,
                         error == 1 ? "error" : "errors", warn, warn == 1 ? "warning" : "warnings",
                         cli->color ? RESET : "");
        print_problems(&loud, s, r, n, !cli->quiet);
    }
    xf_console_line(cli, "%s", "");
    /* The last line is printed even with --quiet: CI logs want it. */
    char done[160];
    snprintf(done, sizeof done, "Done. PASS=%zu WARN=%zu ERROR=%zu SKIP=%zu TOTAL=%zu", pass, warn,
             error, skip, n);
    xf_console_emit(cli, "StatsLine", "Z023", "info",
                    json_pack("{s:{s:I, s:I, s:I, s:I, s:I}}", "stats", "error", (json_int_t)error,
                              "pass", (json_int_t)pass, "skip", (json_int_t)skip, "total",
                              (json_int_t)n, "warn", (json_int_t)warn),
                    done);
    fflush(stdout);
    return rc;
}
