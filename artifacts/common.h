// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the artifact writers (internal to artifacts/): time
 * stamps in dbt's format, the metadata block, jansson values from our
 * strings and values, and appending a jansson value to a buffer.
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
/* An xf_value as JSON (undefined becomes null). New reference. */
json_t *xf_artifacts_value(const struct xf_value *v);

/* Appends the compact JSON text of `j` to `out`. */
void xf_artifacts_dump(struct xf_buf *out, const json_t *j);

/* Writes <dir>/<name> atomically. 0 or -errno. */
int xf_artifacts_write(const char *dir, const char *name, const struct xf_buf *text);

#endif
