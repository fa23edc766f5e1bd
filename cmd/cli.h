// SPDX-License-Identifier: MIT
/*
 * The command line: one table of commands, one table of options that
 * drives both parsing and --help, and the console that prints progress,
 * diagnostics and summaries in dbt's shape. Only cmd/ prints or exits.
 */
#ifndef XF_CMD_CLI_H
#define XF_CMD_CLI_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "artifacts/artifacts.h"
#include "engine/engine.h"
#include "util/diag.h"
#include "util/vec.h"

/* Console events recorded for the partial-parse cache, to be replayed on a hit. */
struct xf_pp_rec {
    pthread_mutex_t mu;   /* template log() lines come from worker threads */
    struct xf_buf events; /* per event: kind byte, then name, code, level, msg, data: NUL-ended */
    bool diag;            /* a diagnostic was printed: the run is not replayable */
    bool paused;          /* lines the replay makes itself (timings) */
    bool active;          /* a cold compile that may save the cache */
    int64_t load_start;   /* xf_ppcache_now() before the load */
};

/* Exit codes, as dbt's. */
#define XF_EXIT_OK 0
#define XF_EXIT_FAIL 1
#define XF_EXIT_USAGE 2

struct xf_cli {
    const char *command;
    const char *project_dir, *profiles_dir, *target, *vars, *selector, *output, *resource_type,
        *log_format, *state;
    const char *port, *format; /* docs serve --port; lineage --format */
    XF_VEC(const char *) select;
    XF_VEC(const char *) exclude;
    XF_VEC(const char *) positional;
    XF_VEC(const char *) resource_types;
    int threads;
    int limit;              /* show --limit */
    const char *inline_sql; /* show --inline */
    bool full_refresh, fail_fast, no_color, quiet, help, version, color_forced;
    bool defer, favor_state;          /* --defer, --favor-state (need --state) */
    struct xf_state *state_data;      /* --state, read once the project is loaded */
    bool upgrade, lock;               /* deps --upgrade, --lock */
    const char *add_package, *source; /* deps --add-package, --source */
    /* dbt parity (docs/cli.md) */
    const char *args;                            /* run-operation --args */
    const char *profile;                         /* --profile: overrides the project's */
    const char *warn_error_options;              /* --warn-error-options */
    const char *indirect_selection;              /* --indirect-selection */
    bool empty, warn_error;                      /* --empty, --warn-error */
    const char *event_time_start, *event_time_end; /* microbatch backfill (run, build) */
    XF_VEC(const char *) exclude_resource_types; /* --exclude-resource-type */
    XF_VEC(const char *) output_keys;            /* ls --output-keys */
    struct xf_warn_error *we;                    /* parsed warn-error settings (NULL: none) */
    int argc;
    const char *const *argv;
    bool color;                /* decided: terminal and not --no-color */
    const char *target_name;   /* the profile's target once loaded (NULL: embedded default) */
    /*
     * More threads asked of a one-writer adapter (SQLite): what was asked, by
     * whom and where; the console warns when the run still gets one thread
     * (nothing selected only reads, or no read connections outside WAL).
     */
    struct {
        int want;            /* 0: nothing to say */
        const char *adapter; /* "sqlite" */
        const char *target;  /* NULL: --threads asked; else the target whose threads: did */
    } capped;
    bool json_log;             /* --log-format json: one JSON object per line, as dbt's */
    const char *invocation_id; /* the session's, once loaded (JSON log lines carry it) */
    /* logs and CI reports (cmd/logfile.c, docs/logs.md) */
    const char *log_path, *log_level, *log_level_file, *log_format_file, *log_file_max_bytes;
    const char *target_path, *junit_xml;
    bool debug, write_json, no_write_json;
    int console_level;          /* XF_LOG_*: the lowest level the console shows */
    bool json_data;             /* events carry their data: a JSON console or log file */
    struct xf_logfile *logfile; /* NULL: no log file (--log-level-file none) */
    /* the console's node_done, which the log file's debug lines wrap */
    void (*console_done)(void *user, size_t i, size_t total, const struct xf_node *n,
                         const struct xf_node_result *r);
    /* partial parsing (cmd/partial_parse.c): --no-partial-parse / --partial-parse, and
     * the console events of a run recorded for the cache (NULL: not recording) */
    bool no_partial_parse, partial_parse;
    struct xf_pp_rec *pp;
};

struct xf_command {
    const char *name;
    int (*fn)(struct xf_cli *cli);
    const char *summary;
    unsigned flags; /* XF_OPT_* groups this command accepts */
};

/* Option groups. */
#define XF_OPT_PROJECT 0x01u /* --project-dir --profiles-dir --target --vars */
#define XF_OPT_SELECT 0x02u  /* --select --exclude --selector */
#define XF_OPT_RUN 0x04u     /* --threads --full-refresh --fail-fast */
#define XF_OPT_LS 0x08u      /* --resource-type --output */
#define XF_OPT_SHOW 0x10u    /* --inline --limit */
#define XF_OPT_DOCS 0x20u    /* --port */
#define XF_OPT_LINEAGE 0x40u /* --format */
#define XF_OPT_DEPS 0x80u    /* --upgrade --lock --add-package --source */
/* --threads alone (source freshness takes it without the rest of RUN) */
#define XF_OPT_THREADS 0x100u
/* dbt parity flags (docs/cli.md); high bits, apart from other groups */
#define XF_OPT_COMPILE 0x1000u  /* compile: --inline --output */
#define XF_OPT_RUNOP 0x2000u    /* run-operation: --args */
#define XF_OPT_BUILD 0x4000u    /* build: --resource-type --exclude-resource-type */
#define XF_OPT_EMPTY 0x8000u    /* run, build, compile: --empty */
#define XF_OPT_INDIRECT 0x10000u /* build, test, run, ls: --indirect-selection */
#define XF_OPT_EVENT_TIME 0x20000u /* run, build: --event-time-start --event-time-end */

const struct xf_command *xf_cli_commands(void);
const struct xf_command *xf_cli_find(const char *name);
/* Parses argv after the command name. 0, or -1 after printing the problem. */
int xf_cli_parse(struct xf_cli *cli, const struct xf_command *cmd, int argc, char **argv);
void xf_cli_release(struct xf_cli *cli);
void xf_cli_usage(FILE *f, const struct xf_command *cmd);

/* ---- console ---- */

/* Prints every diagnostic (errors and warnings) to stderr. */
void xf_console_diags(const struct xf_cli *cli, const struct xf_diags *d);
/*
 * The error for an artifact that could not be written (`errnum`: an errno)
 * to stderr: "could not write '<dir>/<file>': <strerror>" and a hint that
 * the file there is still the previous invocation's.
 */
void xf_console_write_error(const char *dir, const char *file, int errnum);
/* "12:00:00  message" on stdout. */
void xf_console_line(const struct xf_cli *cli, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Header: version, Found N models..., concurrency. */
void xf_console_found(const struct xf_cli *cli, struct xf_session *s);
/*
 * One console event: "HH:MM:SS  msg" as text; with --log-format json one
 * JSON object a line in dbt's shape, with dbt's event `name` and `code`,
 * `level` ("info", "warn", "error") and `data` (stolen; NULL for {}).
 */
void xf_console_emit(const struct xf_cli *cli, const char *name, const char *code,
                     const char *level, json_t *data, const char *msg);
/* xf_console_emit at level info with a formatted message; nothing with --quiet. */
void xf_console_event(const struct xf_cli *cli, const char *name, const char *code, json_t *data,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The "Concurrency: N threads (target='dev')" block before nodes run (an xf_events begin). */
void xf_console_begin(void *user, size_t total, int threads);
/* Event callbacks for engine runs. */
void xf_console_events(struct xf_events *ev, struct xf_cli *cli);
/* Summary and the exit code for a run's results. */
int xf_console_summary(const struct xf_cli *cli, struct xf_session *s,
                       const struct xf_node_result *r, size_t n, double elapsed, int rc);

/* ---- log file (logfile.c) ---- */

/* Levels, lowest first; --log-level none shows nothing. */
enum { XF_LOG_DEBUG, XF_LOG_INFO, XF_LOG_WARN, XF_LOG_ERROR, XF_LOG_NONE };
/* The XF_LOG_* of "debug", "info", "warn", "error" or "none"; -1 for anything else. */
int xf_log_level(const char *name);
/*
 * Reads the log options (flags, then DBT_* environment variables) and
 * sets up the log file; lines wait in memory until its folder is known.
 * 0, or -1 after printing what is wrong with an option.
 */
int xf_logfile_start(struct xf_cli *cli);
/*
 * The project is loaded: its target's secrets are scrubbed from now on;
 * with `open_now` the file opens in --log-path, $XFORM_LOG_PATH,
 * $DBT_LOG_PATH or the project's `log-path:` (default logs/) and what
 * waited is written, then the target as a debug line.
 */
void xf_logfile_attach(struct xf_cli *cli, const struct xf_project *p, bool open_now);
/* One console event into the file (xf_console_emit calls it; `data` is borrowed). */
void xf_logfile_event(const struct xf_cli *cli, const char *name, const char *code,
                      const char *level, const json_t *data, const char *msg);
/* Adds the SQL each node ran and its timings, as debug lines, to the console's events. */
void xf_logfile_events(struct xf_events *ev, struct xf_cli *cli);
/* The last line (the command, its exit code, its time); opens the file if it never was; frees. */
void xf_logfile_finish(struct xf_cli *cli, int code);
/* A debug-level event: in the log file, and on the console with --debug. */
void xf_console_debug(const struct xf_cli *cli, const char *name, const char *code, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));
/* --target-path, else $XFORM_TARGET_PATH, else $DBT_TARGET_PATH; NULL: the project's. */
const char *xf_cli_target_path(const struct xf_cli *cli);
/* False with --no-write-json or DBT_WRITE_JSON=false (and no --write-json). */
bool xf_cli_write_json(const struct xf_cli *cli);
/*
 * After a run: the JUnit report to --junit-xml or $XFORM_JUNIT_XML, if
 * either is given (relative to the current folder). 0, or -1 after
 * printing why it could not be written.
 */
int xf_cli_junit(const struct xf_cli *cli, struct xf_session *s, const struct xf_node_result *r,
                 size_t n, double elapsed);
/* True when the console shows events of `level` ("debug", "info", "warn", "error"). */
bool xf_console_shows(const struct xf_cli *cli, const char *level);

/* Shared by the node-running commands: open, select, run, artifacts. */
int xf_cmd_execute(struct xf_cli *cli, enum xf_phase phase);

/* ---- partial parsing (cmd/partial_parse.c, parser/ppcache.h) ---- */

/* Replays the events recorded in `ev` (xf_pp_rec.events) through the console and log file. */
void xf_console_replay(const struct xf_cli *cli, const char *ev, size_t len);
/*
 * compile, ls or parse: when the cache says nothing changed since the same
 * command line ran, replays it and returns true with the exit code in
 * *code; else false (not used, or missed: logged at debug).
 */
bool xf_pp_try(struct xf_cli *cli, int *code);
/* Whether the load keeps per-node parse records (the cache not switched off). */
bool xf_pp_records_on(const struct xf_cli *cli);
/* Says in the log (debug) what the load's parse records did. */
void xf_pp_records_log(const struct xf_cli *cli, struct xf_session *s);
/* Starts recording a cold run (when the cache is in use). */
void xf_pp_begin(struct xf_cli *cli);
/* After a cold run: saves the cache when it succeeded (`ok`) and can be
 * replayed, with `nres` nodes compiled or parsed, or the `text` ls printed. */
void xf_pp_finish(struct xf_cli *cli, struct xf_session *s, size_t nres, const char *text,
                  size_t len, bool ok);
/* The signal (SIGINT, SIGTERM, SIGHUP) that cancelled the run, 0 when none came. */
int xf_cmd_interrupted(void);
/* Opens a session from the CLI's project options; prints diagnostics. */
int xf_cmd_open(struct xf_cli *cli, struct xf_session **out, struct xf_diags *d);
/*
 * The nodes --select/--exclude pick, disabled ones left out (ls, lineage:
 * commands that read the graph only; ls adds the tests --indirect-selection
 * pulls in, as dbt's ls does); NULL after printing the errors.
 */
bool *xf_cmd_select_enabled(struct xf_cli *cli, struct xf_session *s, struct xf_diags *d);
void xf_cmd_load_opts(const struct xf_cli *cli, struct xf_load_opts *lo);
/*
 * --selector NAME, or the selectors.yml default when no --select,
 * --exclude or --selector is given (`announce` prints "Using default
 * selector"): 1 with `out` (g->n bools) filled, 0 when no named selector
 * applies, -1 with errors in d.
 */
int xf_cmd_named_selection(struct xf_cli *cli, struct xf_session *s, bool announce, bool *out,
                           struct xf_diags *d);
/* xf_session_select for a phase, through the named selection when one applies. */
int xf_cmd_select_phase(struct xf_cli *cli, struct xf_session *s, const struct xf_run_opts *o,
                        bool *out, struct xf_diags *d);

int xf_cmd_run(struct xf_cli *cli);
int xf_cmd_seed(struct xf_cli *cli);
int xf_cmd_test(struct xf_cli *cli);
int xf_cmd_build(struct xf_cli *cli);
int xf_cmd_snapshot(struct xf_cli *cli);
int xf_cmd_compile(struct xf_cli *cli);
int xf_cmd_parse(struct xf_cli *cli);
int xf_cmd_ls(struct xf_cli *cli);
int xf_cmd_debug(struct xf_cli *cli);
int xf_cmd_clean(struct xf_cli *cli);
int xf_cmd_source(struct xf_cli *cli);
int xf_cmd_show(struct xf_cli *cli);
int xf_cmd_retry(struct xf_cli *cli);
int xf_cmd_init(struct xf_cli *cli);
int xf_cmd_docs(struct xf_cli *cli);
int xf_cmd_lineage(struct xf_cli *cli);
int xf_cmd_deps(struct xf_cli *cli);
int xf_cmd_run_operation(struct xf_cli *cli);
/* cmd_compile.c: compile --inline, and the compiled SQL of the nodes -s names. */
int xf_compile_check_output(const struct xf_cli *cli);
int xf_cmd_compile_inline(struct xf_cli *cli);
void xf_compile_print(const struct xf_cli *cli, const struct xf_node_result *r, size_t n);

/* ---- parity.c: --warn-error(-options), --indirect-selection, --resource-type ---- */

/* Parses the flags into cli->we; -1 after printing the problem (exit 2). */
int xf_warn_error_init(struct xf_cli *cli);
void xf_warn_error_release(struct xf_cli *cli);
/* Whether a warning of dbt's event `name` is an error under the flags. */
bool xf_warn_error_is_error(const struct xf_cli *cli, const char *name);
/*
 * Turns the warnings of `d` that the flags make errors into errors (before
 * they are printed); returns how many it turned.
 */
size_t xf_warn_error_promote(const struct xf_cli *cli, struct xf_diags *d);
/* The indirect selection mode of --indirect-selection / DBT_INDIRECT_SELECTION. */
int xf_cli_indirect(const struct xf_cli *cli, enum xf_indirect *out);
/*
 * --resource-type and --exclude-resource-type as one mask indexed by enum
 * xf_resource (every type true when neither is given); -1 after printing
 * an unknown type (exit 2).
 */
int xf_cli_types(const struct xf_cli *cli, bool out[XF_RES_NTYPES]);
int xf_cmd_clone(struct xf_cli *cli);

/* Wall clock in seconds (console.c, the clock of elapsed times and events). */
double xf_cli_now(void);

/* Entry point of the binary (cmd/main.c calls it). */
int xf_main(int argc, char **argv);

#endif
