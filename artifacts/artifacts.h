// SPDX-License-Identifier: MIT
/*
 * dbt-compatible JSON artifacts, written with jansson: manifest.json
 * (manifest v12 layout), run_results.json (run-results v6), and later
 * catalog.json and sources.json. Layouts follow dbt's published schemas
 * for every key we emit.
 */
#ifndef XF_ARTIFACTS_ARTIFACTS_H
#define XF_ARTIFACTS_ARTIFACTS_H

#include <stdbool.h>
#include <stddef.h>

#include "graph/graph.h"
#include "parser/project.h"
#include "util/buf.h"

/* Facts about this invocation, shared by every artifact's metadata. */
struct xf_invocation {
    const char *invocation_id; /* uuid */
    const char *generated_at;  /* ISO 8601 UTC, e.g. 2026-11-21T23:04:00.123456Z */
    const char *command;       /* "run", "build" ... */
    const char *const *argv;   /* the command line, for run_results.args */
    int argc;
    const char *adapter_type;
};

enum xf_status {
    XF_ST_SUCCESS, /* model/seed/snapshot built */
    XF_ST_ERROR,
    XF_ST_SKIPPED,
    XF_ST_PASS, /* tests */
    XF_ST_FAIL,
    XF_ST_WARN,
    XF_ST_RUNTIME_ERROR,
};

/* dbt's word for a status in run_results ("success", "error", "pass" ...). */
const char *xf_status_name(enum xf_status s);

struct xf_node_result {
    const struct xf_node *node;
    enum xf_status status;
    const char *message;     /* "OK", "CREATE TABLE", error text ... (may be NULL) */
    long long failures;      /* tests: failing rows; -1 when not a test */
    long long rows_affected; /* -1 when unknown */
    double compile_started, compile_completed; /* unix time, seconds */
    double execute_started, execute_completed;
    double execution_time;     /* seconds */
    int thread_id;             /* 1-based worker: "Thread-<n>" (0 means 1) */
    const char *compiled_code; /* may be NULL (then node->compiled_code) */
};

/*
 * Writes <dir>/manifest.json for the loaded project and its graph. Nodes
 * carry compiled SQL when the engine has set it. Disabled nodes (see
 * xf_graph.disabled) go under "disabled", as in dbt. created_at is the
 * time of inv->generated_at. Returns 0 or -errno.
 */
int xf_write_manifest(const char *dir, const struct xf_project *p, const struct xf_graph *g,
                      const struct xf_invocation *inv);

/*
 * Writes <dir>/run_results.json. A timing entry is written for each phase
 * whose start time is set (> 0); args holds "which" (inv->command) and
 * "invocation_command" (argv joined). Returns 0 or -errno.
 */
int xf_write_run_results(const char *dir, const struct xf_invocation *inv,
                         const struct xf_node_result *results, size_t n, double elapsed);

/*
 * Both of the above at once, run_results.json on a second thread (one
 * after the other when no thread can be started). `seconds`, if not NULL,
 * receives the time each took. Returns 0 or the first -errno.
 */
int xf_write_artifacts(const char *dir, const struct xf_project *p, const struct xf_graph *g,
                       const struct xf_invocation *inv, const struct xf_node_result *results,
                       size_t n, double elapsed, double seconds[2]);

struct xf_freshness; /* engine/engine.h */
/* Writes <dir>/sources.json (sources v3) for `source freshness`. 0 or -errno. */
int xf_write_sources(const char *dir, const struct xf_invocation *inv,
                     const struct xf_freshness *res, size_t n, double elapsed);

#endif
