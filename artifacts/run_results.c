// SPDX-License-Identifier: MIT
/*
 * run_results.json in dbt's run-results v6 layout: one result per node
 * the command ran (status, timings, message, failures), the elapsed time
 * and the invocation's arguments. Replaced atomically.
 */
#include <string.h>

#include "artifacts/artifacts.h"
#include "artifacts/common.h"

#define RUN_RESULTS_SCHEMA "https://schemas.getdbt.com/dbt/run-results/v6.json"

const char *xf_status_name(enum xf_status s)
{
    switch (s) {
    case XF_ST_SUCCESS:
        return "success";
    case XF_ST_ERROR:
        return "error";
    case XF_ST_SKIPPED:
        return "skipped";
    case XF_ST_PASS:
        return "pass";
    case XF_ST_FAIL:
        return "fail";
    case XF_ST_WARN:
        return "warn";
    case XF_ST_RUNTIME_ERROR:
        return "runtime error";
    }
    return "error";
}

static void set(json_t *o, const char *key, json_t *v)
{
    json_object_set_new_nocheck(o, key, v ? v : json_null());
}

/* A stamp, or null when the phase did not happen (time 0). */
static json_t *stamp(double t)
{
    if (t <= 0)
        return json_null();
    char buf[96];
    xf_artifacts_iso8601(buf, t);
    return json_string(buf);
}

static json_t *timing(const char *name, double start, double end)
{
    json_t *o = json_object();
    set(o, "name", json_string(name));
    set(o, "started_at", stamp(start));
    set(o, "completed_at", stamp(end));
    return o;
}

static json_t *result_json(const struct xf_node_result *r)
{
    const struct xf_node *n = r->node;
    json_t *o = json_object();
    set(o, "status", json_string(xf_status_name(r->status)));
    json_t *t = json_array();
    if (r->compile_started > 0)
        json_array_append_new(t, timing("compile", r->compile_started, r->compile_completed));
    if (r->execute_started > 0)
        json_array_append_new(t, timing("execute", r->execute_started, r->execute_completed));
    set(o, "timing", t);
    char thread[32];
    snprintf(thread, sizeof thread, "Thread-%d", r->thread_id > 0 ? r->thread_id : 1);
    set(o, "thread_id", json_string(thread));
    set(o, "execution_time", json_real(r->execution_time >= 0 ? r->execution_time : 0));
    json_t *resp = json_object();
    if (r->message && r->status != XF_ST_SKIPPED)
        set(resp, "_message", xf_artifacts_str(r->message));
    if (r->rows_affected >= 0)
        set(resp, "rows_affected", json_integer(r->rows_affected));
    set(o, "adapter_response", resp);
    set(o, "message", xf_artifacts_str(r->message));
    set(o, "failures", r->failures >= 0 ? json_integer(r->failures) : json_null());
    set(o, "unique_id", xf_artifacts_str(n ? n->unique_id : ""));
    const char *code = r->compiled_code ? r->compiled_code : n ? n->compiled_code : NULL;
    set(o, "compiled", json_boolean(code != NULL));
    set(o, "compiled_code", xf_artifacts_str(code));
    set(o, "relation_name", xf_artifacts_str(n ? n->relation_name : NULL));
    set(o, "batch_results", json_null());
    return o;
}

int xf_write_run_results(const char *dir, const struct xf_invocation *inv,
                         const struct xf_node_result *results, size_t n, double elapsed)
{
    json_t *root = json_object();
    set(root, "metadata", xf_artifacts_metadata(RUN_RESULTS_SCHEMA, inv));
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, result_json(&results[i]));
    set(root, "results", arr);
    set(root, "elapsed_time", json_real(elapsed >= 0 ? elapsed : 0));
    json_t *args = json_object();
    set(args, "which", xf_artifacts_str(inv->command));
    struct xf_buf cmd = XF_BUF_INIT;
    for (int i = 0; i < inv->argc && inv->argv; i++) {
        if (i)
            xf_buf_addch(&cmd, ' ');
        xf_buf_adds(&cmd, inv->argv[i] ? inv->argv[i] : "");
    }
    set(args, "invocation_command", xf_artifacts_strn(cmd.ptr, cmd.len));
    xf_buf_release(&cmd);
    set(root, "args", args);

    struct xf_buf out = XF_BUF_INIT;
    xf_artifacts_dump(&out, root);
    xf_buf_addch(&out, '\n');
    json_decref(root);
    int err = xf_artifacts_write(dir, "run_results.json", &out);
    xf_buf_release(&out);
    return err;
}
