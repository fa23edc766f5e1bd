// SPDX-License-Identifier: MIT
/*
 * The command line: one table of commands, one table of options that
 * drives both parsing and --help, and the console that prints progress,
 * diagnostics and summaries in dbt's shape. Only cmd/ prints or exits.
 */
#ifndef XF_CMD_CLI_H
#define XF_CMD_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "artifacts/artifacts.h"
#include "engine/engine.h"
#include "util/diag.h"
#include "util/vec.h"

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
    int argc;
    const char *const *argv;
    bool color;                /* decided: terminal and not --no-color */
    const char *target_name;   /* the profile's target once loaded (NULL: embedded default) */
    bool json_log;             /* --log-format json: one JSON object per line, as dbt's */
    const char *invocation_id; /* the session's, once loaded (JSON log lines carry it) */
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

/* Shared by the node-running commands: open, select, run, artifacts. */
int xf_cmd_execute(struct xf_cli *cli, enum xf_phase phase);
/* Opens a session from the CLI's project options; prints diagnostics. */
int xf_cmd_open(struct xf_cli *cli, struct xf_session **out, struct xf_diags *d);
/*
 * The nodes --select/--exclude pick, disabled ones left out (ls, lineage:
 * commands that read the graph only); NULL after printing the errors.
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
int xf_cmd_clone(struct xf_cli *cli);

/* Wall clock in seconds (console.c, the clock of elapsed times and events). */
double xf_cli_now(void);

/* Entry point of the binary (cmd/main.c calls it). */
int xf_main(int argc, char **argv);

#endif
