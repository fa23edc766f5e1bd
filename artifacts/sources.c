// SPDX-License-Identifier: MIT
/*
 * target/sources.json: the results of `source freshness`, in dbt's
 * sources v3 layout.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "artifacts/artifacts.h"
#include "util/json.h"
#include "util/path.h"

static json_t *iso_time(double t)
{
    time_t s = (time_t)t;
    struct tm tm;
    gmtime_r(&s, &tm);
    char b[32], out[48];
    strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, sizeof out, "%s.%06dZ", b, (int)((t - (double)s) * 1e6));
    return json_string(out);
}

static json_t *threshold(const struct xf_value *fresh, const char *key)
{
    const struct xf_value *t = fresh->t == XF_V_DICT ? xf_dict_getc(fresh->u.d, key) : NULL;
    if (!t || t->t != XF_V_DICT)
        return json_null();
    json_t *o = json_object();
    const struct xf_value *c = xf_dict_getc(t->u.d, "count");
    const struct xf_value *p = xf_dict_getc(t->u.d, "period");
    json_object_set_new(o, "count", c && c->t == XF_V_INT ? json_integer(c->u.i) : json_null());
    json_object_set_new(o, "period",
                        p && p->t == XF_V_STR ? json_stringn(p->u.s.p, p->u.s.len) : json_null());
    return o;
}

int xf_write_sources(const char *dir, const struct xf_invocation *inv,
                     const struct xf_freshness *res, size_t n, double elapsed)
{
    json_t *root = json_object();
    json_t *meta = json_object();
    json_object_set_new(meta, "dbt_schema_version",
                        json_string("https://schemas.getdbt.com/dbt/sources/v3.json"));
    json_object_set_new(meta, "dbt_version", json_string(XF_VERSION));
    json_object_set_new(meta, "generated_at", json_string(inv->generated_at));
    json_object_set_new(meta, "invocation_id", json_string(inv->invocation_id));
    json_object_set_new(meta, "invocation_started_at", json_string(inv->generated_at));
    json_object_set_new(meta, "env", json_object());
    json_object_set_new(root, "metadata", meta);
    json_t *results = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct xf_freshness *f = &res[i];
        json_t *r = json_object();
        json_object_set_new(r, "unique_id", json_string(f->source->unique_id));
        if (f->status == XF_ST_RUNTIME_ERROR) {
            json_object_set_new(r, "error", json_string(f->error ? f->error : "error"));
            json_object_set_new(r, "status", json_string("runtime error"));
            json_array_append_new(results, r);
            continue;
        }
        json_object_set_new(r, "max_loaded_at", json_string(f->max_loaded_at));
        json_object_set_new(r, "snapshotted_at", json_string(f->snapshotted_at));
        json_object_set_new(r, "max_loaded_at_time_ago_in_s", json_real(f->age));
        json_object_set_new(r, "status",
                            json_string(f->status == XF_ST_PASS   ? "pass"
                                        : f->status == XF_ST_WARN ? "warn"
                                                                  : "error"));
        json_t *crit = json_object();
        json_object_set_new(crit, "warn_after", threshold(&f->source->freshness, "warn_after"));
        json_object_set_new(crit, "error_after", threshold(&f->source->freshness, "error_after"));
        const struct xf_value *fl = f->source->freshness.t == XF_V_DICT
                                        ? xf_dict_getc(f->source->freshness.u.d, "filter")
                                        : NULL;
        json_object_set_new(crit, "filter",
                            fl && fl->t == XF_V_STR ? json_stringn(fl->u.s.p, fl->u.s.len)
                                                    : json_null());
        json_object_set_new(r, "criteria", crit);
        json_object_set_new(r, "adapter_response", json_object());
        json_t *timing = json_array();
        json_t *t = json_object();
        json_object_set_new(t, "name", json_string("execute"));
        json_object_set_new(t, "started_at", iso_time(f->started));
        json_object_set_new(t, "completed_at", iso_time(f->completed));
        json_array_append_new(timing, t);
        json_object_set_new(r, "timing", timing);
        json_object_set_new(r, "thread_id", json_string("Thread-1"));
        json_object_set_new(r, "execution_time", json_real(f->completed - f->started));
        json_array_append_new(results, r);
    }
    json_object_set_new(root, "results", results);
    json_object_set_new(root, "elapsed_time", json_real(elapsed));
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    char path[4096];
    snprintf(path, sizeof path, "%s/sources.json", dir);
    int e = xf_write_file(path, text, strlen(text));
    free(text);
    return e;
}
