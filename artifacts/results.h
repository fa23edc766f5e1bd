// SPDX-License-Identifier: MIT
/*
 * What a run produces, below both the engine that makes it and the
 * artifact writers and console that report it: the invocation's facts,
 * each node's result and each source's freshness. Plain data; the engine
 * owns the memory the pointers refer to.
 */
#ifndef XF_ARTIFACTS_RESULTS_H
#define XF_ARTIFACTS_RESULTS_H

#include <stdbool.h>

struct xf_node;

/* Facts about this invocation, shared by every artifact's metadata. */
struct xf_invocation {
    const char *invocation_id; /* uuid */
    const char *generated_at;  /* ISO 8601 UTC, e.g. 2026-11-21T23:04:00.123456Z */
    const char *command;       /* "run", "build" ... */
    const char *const *argv;   /* the command line, for run_results.args */
    int argc;
    const char *adapter_type;
    int threads; /* for writing one artifact: 0 as many as help, 1 one */
};

enum xf_status {
    XF_ST_SUCCESS, /* model/seed/snapshot built */
    XF_ST_ERROR,
    XF_ST_SKIPPED,
    XF_ST_PASS, /* tests */
    XF_ST_FAIL,
    XF_ST_WARN,
    XF_ST_RUNTIME_ERROR,
    XF_ST_PARTIAL_SUCCESS, /* a microbatch model: some batches failed, the others committed */
};

/* dbt's word for a status in run_results ("success", "error", "pass" ...). */
const char *xf_status_name(enum xf_status s);

/* One batch of a microbatch model. */
struct xf_batch_result {
    const char *id;          /* "2024-10-01" (hourly: "2024-10-01 05:00:00") */
    const char *start, *end; /* ISO 8601 UTC, "2024-10-01T00:00:00Z": [start, end) */
    enum xf_status status;   /* SUCCESS or ERROR */
    const char *message;     /* the error, or NULL */
    double execution_time;   /* seconds */
};

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
    const char *executed_code; /* what target/run holds (hooks, DDL, the test query), or NULL */
    bool compile_error;        /* the render failed: dbt's "Compilation Error" */
    bool cancelled;            /* running when the run was cancelled: rolled back */
    bool extras_applied;       /* indexes, grants, docs, inside post-hooks: in the swap's transaction */
    const struct xf_batch_result *batches; /* a microbatch model's batches, or NULL */
    size_t nbatches;
};

/* The outcome of one source's freshness check. */
struct xf_freshness {
    const struct xf_node *source;
    enum xf_status status;                      /* PASS, WARN, ERROR (stale) or RUNTIME_ERROR */
    const char *error;                          /* RUNTIME_ERROR: why */
    char max_loaded_at[40], snapshotted_at[40]; /* ISO 8601 UTC */
    double age;                                 /* seconds since max(loaded_at_field) */
    double started, completed;
};

#endif
