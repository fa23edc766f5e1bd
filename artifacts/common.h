// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the artifact writers (internal to artifacts/): time
 * stamps in dbt's format, the metadata block and jansson strings from
 * ours.
 */
#ifndef XF_ARTIFACTS_COMMON_H
#define XF_ARTIFACTS_COMMON_H

#include <jansson.h>
#include <stdbool.h>

#include "artifacts/artifacts.h"
#include "util/buf.h"
#include "util/value.h"

/* "2026-11-21T23:04:00.123456Z" for a unix time in seconds. */
void xf_artifacts_iso8601(char out[96], double t);
/* The same, reusing the date and time of the last whole second it wrote. */
struct xf_iso8601_cache {
    long long secs; /* -1: none yet */
    char head[20];  /* "2026-11-21T23:04:00" */
};
/* clang-format off */
#define XF_ISO8601_CACHE_INIT {-1, {0}}
/* clang-format on */
void xf_artifacts_iso8601_cached(struct xf_iso8601_cache *c, char out[96], double t);
/* Unix time of an ISO 8601 UTC stamp; `def` when it does not parse. */
double xf_artifacts_parse_time(const char *iso, double def);

/*
 * The metadata keys every dbt artifact shares: dbt_schema_version,
 * dbt_version, generated_at, invocation_id, env (DBT_ENV_CUSTOM_ENV_*
 * variables, prefix removed, sorted). New reference.
 */
json_t *xf_artifacts_metadata(const char *schema_url, const struct xf_invocation *inv);

/* A JSON string, or null for NULL; invalid UTF-8 bytes become U+FFFD. */
json_t *xf_artifacts_str(const char *s);
json_t *xf_artifacts_strn(const char *s, size_t len);

/* manifest_others.c: one exposure, metric, semantic model, saved query or
 * unit test as its manifest object; every enabled one of a kind as the
 * top-level dict keyed by unique id. */
struct xf_jsonw;
void xf_manifest_other_json(struct xf_jsonw *w, const struct xf_graph *g, const struct xf_node *n,
                            double created_at);
void xf_manifest_others(struct xf_jsonw *w, const struct xf_graph *g, enum xf_resource kind,
                        double created_at);

#endif
