// SPDX-License-Identifier: MIT
/*
 * run_results.json in dbt's run-results v6 layout: one result per node
 * the command ran (status, timings, message, failures), the elapsed time
 * and the invocation's arguments. Streamed through the JSON writer
 * (artifacts/jsonw.h) like the manifest; replaced atomically.
 */
#include <string.h>

#include "artifacts/artifacts.h"
#include "artifacts/common.h"
#include "artifacts/jsonw.h"

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
    case XF_ST_PARTIAL_SUCCESS:
        return "partial success";
    }
    return "error";
}

/* `"key":"<stamp>"`, or null when the phase did not happen (time 0). */
static void stamp(struct xf_jsonw *w, struct xf_iso8601_cache *c, const char *key, double t)
{
    xf_jsonw_key(w, key);
    if (t <= 0) {
        xf_jsonw_null(w);
        return;
    }
    xf_jsonw_before_value(w);
    char *o = xf_jsonw_room(w, 100);
    o[0] = '"';
    xf_artifacts_iso8601_cached(c, o + 1, t);
    size_t n = strlen(o + 1);
    o[n + 1] = '"';
    w->out.len += n + 2;
}

static void timing(struct xf_jsonw *w, struct xf_iso8601_cache *c, const char *name, double start,
                   double end)
{
    xf_jsonw_open_object(w);
    xf_jsonw_kstr(w, "name", name);
    stamp(w, c, "started_at", start);
    stamp(w, c, "completed_at", end);
    xf_jsonw_close_object(w);
}

static void result_json(struct xf_jsonw *w, struct xf_iso8601_cache *c,
                        const struct xf_node_result *r)
{
    const struct xf_node *n = r->node;
    xf_jsonw_open_object(w);
    xf_jsonw_kstr(w, "status", xf_status_name(r->status));
    xf_jsonw_key(w, "timing");
    xf_jsonw_open_array(w);
    if (r->compile_started > 0)
        timing(w, c, "compile", r->compile_started, r->compile_completed);
    if (r->execute_started > 0)
        timing(w, c, "execute", r->execute_started, r->execute_completed);
    xf_jsonw_close_array(w);
    char num[24];
    size_t nlen = xf_json_int(num, r->thread_id > 0 ? r->thread_id : 1);
    xf_jsonw_key(w, "thread_id");
    xf_jsonw_str_begin(w);
    XF_JSONW_STR_LIT(w, "Thread-");
    xf_jsonw_put(w, num, nlen);
    xf_jsonw_str_end(w);
    xf_jsonw_key(w, "execution_time");
    xf_jsonw_real(w, r->execution_time >= 0 ? r->execution_time : 0);
    xf_jsonw_key(w, "adapter_response");
    xf_jsonw_open_object(w);
    if (r->message && r->status != XF_ST_SKIPPED)
        xf_jsonw_kstr(w, "_message", r->message);
    if (r->rows_affected >= 0) {
        xf_jsonw_key(w, "rows_affected");
        xf_jsonw_int(w, r->rows_affected);
    }
    xf_jsonw_close_object(w);
    xf_jsonw_kstr(w, "message", r->message);
    xf_jsonw_key(w, "failures");
    if (r->failures >= 0)
        xf_jsonw_int(w, r->failures);
    else
        xf_jsonw_null(w);
    xf_jsonw_kstr(w, "unique_id", n ? n->unique_id : "");
    const char *code = r->compiled_code ? r->compiled_code : n ? n->compiled_code : NULL;
    xf_jsonw_kbool(w, "compiled", code != NULL);
    xf_jsonw_kstr(w, "compiled_code", code);
    xf_jsonw_kstr(w, "relation_name", n ? n->relation_name : NULL);
    xf_jsonw_key(w, "batch_results");
    if (!r->batches) {
        xf_jsonw_null(w);
    } else { /* dbt's: the [start, end] of each successful and each failed batch */
        xf_jsonw_open_object(w);
        for (int failed = 0; failed < 2; failed++) {
            xf_jsonw_key(w, failed ? "failed" : "successful");
            xf_jsonw_open_array(w);
            for (size_t i = 0; i < r->nbatches; i++) {
                const struct xf_batch_result *b = &r->batches[i];
                if ((b->status != XF_ST_SUCCESS) != failed)
                    continue;
                xf_jsonw_open_array(w);
                xf_jsonw_str(w, b->start);
                xf_jsonw_str(w, b->end);
                xf_jsonw_close_array(w);
            }
            xf_jsonw_close_array(w);
        }
        xf_jsonw_close_object(w);
    }
    xf_jsonw_close_object(w);
}

int xf_write_run_results(const char *dir, const struct xf_invocation *inv,
                         const struct xf_node_result *results, size_t n, double elapsed)
{
    struct xf_jsonw w;
    int err = xf_jsonw_init_file(&w, dir, "run_results.json");
    if (err < 0) {
        xf_jsonw_release(&w);
        return err;
    }
    xf_jsonw_open_object(&w);
    xf_jsonw_key(&w, "metadata");
    json_t *meta = xf_artifacts_metadata(RUN_RESULTS_SCHEMA, inv);
    xf_jsonw_json(&w, meta);
    json_decref(meta);
    xf_jsonw_key(&w, "results");
    xf_jsonw_open_array(&w);
    struct xf_iso8601_cache stamps = XF_ISO8601_CACHE_INIT;
    for (size_t i = 0; i < n; i++)
        result_json(&w, &stamps, &results[i]);
    xf_jsonw_close_array(&w);
    xf_jsonw_key(&w, "elapsed_time");
    xf_jsonw_real(&w, elapsed >= 0 ? elapsed : 0);
    xf_jsonw_key(&w, "args");
    xf_jsonw_open_object(&w);
    xf_jsonw_kstr(&w, "which", inv->command);
    xf_jsonw_key(&w, "invocation_command");
    xf_jsonw_str_begin(&w);
    for (int i = 0; i < inv->argc && inv->argv; i++) {
        if (i)
            XF_JSONW_STR_LIT(&w, " ");
        xf_jsonw_str_part(&w, inv->argv[i]);
    }
    xf_jsonw_str_end(&w);
    xf_jsonw_close_object(&w);
    xf_jsonw_close_object(&w);
    xf_jsonw_put(&w, "\n", 1);
    err = xf_jsonw_commit(&w);
    xf_jsonw_release(&w);
    return err;
}
