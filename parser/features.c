// SPDX-License-Identifier: MIT
/*
 * The table of dbt's project keys, config keys, properties keys, project
 * files and flags that xform knows, with whether it acts on each, and the
 * one warning for those it does not act on yet. The loaders take their
 * lists of known keys from here, so a key cannot be known in one place
 * and silently dropped in another.
 */
#include "parser/features.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "parser/yaml.h"
#include "util/path.h"
#include "util/vec.h"

#define S XF_FEAT_SUPPORTED
#define N XF_FEAT_NOT_YET
#define P(name, st, hint)                                                                          \
    {                                                                                              \
        XF_FEAT_PROJECT_KEY, name, st, hint, NULL                                                  \
    }
#define C(name, st, hint)                                                                          \
    {                                                                                              \
        XF_FEAT_CONFIG, name, st, hint, NULL                                                       \
    }
#define T(name, st, hint)                                                                          \
    {                                                                                              \
        XF_FEAT_YAML_TOP, name, st, hint, NULL                                                     \
    }
#define Y(name, st, hint)                                                                          \
    {                                                                                              \
        XF_FEAT_YAML_NODE, name, st, hint, NULL                                                    \
    }
#define F(name, st, hint)                                                                          \
    {                                                                                              \
        XF_FEAT_FILE, name, st, hint, NULL                                                         \
    }
#define O(name, only, hint)                                                                        \
    {                                                                                              \
        XF_FEAT_CONFIG, name, XF_FEAT_SUPPORTED, hint, only                                        \
    }
#define G(name, st, hint)                                                                          \
    {                                                                                              \
        XF_FEAT_FLAG, name, st, hint, NULL                                                         \
    }

#define IGNORED "xform reads it but does not act on it yet"
#define NO_RESOURCE "xform does not build this kind of resource yet: the entries are ignored"

static const struct xf_feature table[] = {
    /* dbt_project.yml */
    P("name", S, NULL),
    P("version", S, NULL),
    P("config-version", S, NULL),
    P("profile", S, NULL),
    P("model-paths", S, NULL),
    P("seed-paths", S, NULL),
    P("test-paths", S, NULL),
    P("macro-paths", S, NULL),
    P("snapshot-paths", S, NULL),
    P("analysis-paths", S, NULL),
    P("docs-paths", S, NULL),
    P("asset-paths", N, "assets are not copied into the docs site"),
    P("target-path", S, NULL),
    P("log-path", S, NULL),
    P("packages-install-path", S, NULL),
    P("clean-targets", S, NULL),
    P("vars", S, NULL),
    P("require-dbt-version", S, NULL),
    P("require-xform-version", N, IGNORED),
    P("on-run-start", S, NULL),
    P("on-run-end", S, NULL),
    P("dispatch", S, NULL),
    P("models", S, NULL),
    P("seeds", S, NULL),
    P("snapshots", S, NULL),
    P("tests", S, NULL),
    P("data_tests", S, NULL),
    P("sources", S, NULL),
    P("analyses", S, NULL),
    P("quoting", N, "xform quotes every name it renders, whatever this says"),
    P("flags", N, "xform takes its flags from the command line only (partial_parse excepted)"),
    P("source-paths", S, NULL),
    P("data-paths", S, NULL),
    P("query-comment", S, NULL),
    P("restrict-access", S, NULL),
    P("exposures", S, NULL),
    P("metrics", S, NULL),
    P("semantic-models", S, NULL),
    P("saved-queries", S, NULL),
    P("unit_tests", S, NULL),

    /* configs (dbt_project.yml trees, config: blocks, config() calls) */
    C("materialized", S, NULL),
    C("tags", S, NULL),
    C("schema", S, NULL),
    C("alias", S, NULL),
    C("database", S, NULL),
    C("enabled", S, NULL),
    C("full_refresh", S, NULL),
    C("unique_key", S, NULL),
    C("incremental_strategy", S, NULL),
    C("on_schema_change", S, NULL),
    C("pre-hook", S, NULL),
    C("post-hook", S, NULL),
    C("quote_columns", S, NULL),
    C("column_types", S, NULL),
    C("delimiter", S, NULL),
    C("meta", S, NULL),
    C("docs", S, NULL),
    C("severity", S, NULL),
    C("store_failures", S, NULL),
    C("store_failures_as", S, NULL),
    C("where", S, NULL),
    C("limit", S, NULL),
    C("warn_if", S, NULL),
    C("error_if", S, NULL),
    C("fail_calc", S, NULL),
    C("quoting", S, NULL),
    C("sql_header", S, NULL),
    C("strategy", S, NULL),
    C("updated_at", S, NULL),
    C("check_cols", S, NULL),
    C("target_schema", S, NULL),
    C("target_database", S, NULL),
    C("invalidate_hard_deletes", S, NULL),
    C("hard_deletes", S, NULL),
    C("incremental_predicates", S, NULL),
    C("merge_update_columns", S, NULL),
    C("merge_exclude_columns", S, NULL),
    C("indexes", S, NULL),
    O("unlogged", "postgres", "SQLite has no unlogged tables: the table is an ordinary one"),
    O("on_configuration_change", "postgres",
      "SQLite has no materialized views: use materialized='table'"),
    C("event_time", S, NULL),
    C("batch_size", S, NULL),
    C("lookback", S, NULL),
    C("begin", S, NULL),
    C("concurrent_batches", S, NULL), /* accepted; batches run one after another (warned) */
    C("packages", S, NULL),
    C("transient", N, "a Snowflake config: it means nothing on SQLite or PostgreSQL"),
    C("copy_grants", N, "a Snowflake config: it means nothing on SQLite or PostgreSQL"),
    O("persist_docs", "postgres",
      "SQLite has no comments on tables or columns: descriptions stay in the docs"),
    O("grants", "postgres", "SQLite has no roles or privileges: no GRANT is run"),
    C("contract", S, NULL),
    C("snapshot_meta_column_names", S, NULL),
    C("dbt_valid_to_current", S, NULL),
    C("access", S, NULL),
    C("group", S, NULL),

    /* properties files: top level */
    T("version", S, NULL),
    T("models", S, NULL),
    T("seeds", S, NULL),
    T("snapshots", S, NULL),
    T("sources", S, NULL),
    T("macros", S, NULL),
    T("analyses", S, NULL),
    T("data_tests", S, NULL),
    T("unit_tests", S, NULL),
    T("exposures", S, NULL),
    T("metrics", S, NULL),
    T("semantic_models", S, NULL),
    T("saved_queries", S, NULL),
    T("groups", S, NULL),

    /* properties files: a model, seed, snapshot or analysis entry */
    Y("name", S, NULL),
    Y("description", S, NULL),
    Y("config", S, NULL),
    Y("meta", S, NULL),
    Y("tags", S, NULL),
    Y("docs", S, NULL),
    Y("columns", S, NULL),
    Y("tests", S, NULL),
    Y("data_tests", S, NULL),
    Y("constraints", S, NULL),
    Y("versions", S, NULL),
    Y("latest_version", S, NULL),
    Y("access", S, NULL),
    Y("group", S, NULL),
    Y("deprecation_date", S, NULL),
    Y("time_spine", N, IGNORED),
    Y("freshness", N, IGNORED),

    /* files in the project folder */
    F("packages.yml", S, NULL),
    F("dependencies.yml", S, NULL),
    F("selectors.yml", S, NULL),

    /* command-line flags */
    G("project-dir", S, NULL),
    G("profiles-dir", S, NULL),
    G("target", S, NULL),
    G("vars", S, NULL),
    G("select", S, NULL),
    G("models", S, NULL),
    G("exclude", S, NULL),
    G("threads", S, NULL),
    G("full-refresh", S, NULL),
    G("event-time-start", S, NULL),
    G("event-time-end", S, NULL),
    G("fail-fast", S, NULL),
    G("resource-type", S, NULL),
    G("output", S, NULL),
    G("port", S, NULL),
    G("format", S, NULL),
    G("inline", S, NULL),
    G("limit", S, NULL),
    G("no-color", S, NULL),
    G("use-colors", S, NULL),
    G("quiet", S, NULL),
    G("log-format", S, NULL),
    G("help", S, NULL),
    G("debug", S, NULL),
    G("log-level", S, NULL),
    G("log-path", S, NULL),
    G("log-level-file", S, NULL),
    G("log-format-file", S, NULL),
    G("log-file-max-bytes", S, NULL),
    G("target-path", S, NULL),
    G("write-json", S, NULL),
    G("no-write-json", S, NULL),
    G("junit-xml", S, NULL),
    G("selector", S, NULL),
    G("exclude-resource-type", S, NULL),
    G("output-keys", S, NULL),
    G("empty", S, NULL),
    G("indirect-selection", S, NULL),
    G("args", S, NULL),
    G("profile", S, NULL),
    G("warn-error", S, NULL),
    G("warn-error-options", S, NULL),
    G("state", S, NULL),
    G("defer", S, NULL),
    G("favor-state", S, NULL),
};

#define NTABLE (sizeof table / sizeof table[0])

const struct xf_feature *xf_features(size_t *n)
{
    *n = NTABLE;
    return table;
}

const struct xf_feature *xf_feature_find(enum xf_feature_kind kind, struct xf_str name)
{
    for (size_t i = 0; i < NTABLE; i++)
        if (table[i].kind == kind && xf_str_eqc(name, table[i].name))
            return &table[i];
    return NULL;
}

static const char *names[XF_FEAT_NKINDS][NTABLE];
static size_t nnames[XF_FEAT_NKINDS];
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

static void build_names(void)
{
    for (size_t i = 0; i < NTABLE; i++)
        names[table[i].kind][nnames[table[i].kind]++] = table[i].name;
}

const char *const *xf_feature_names(enum xf_feature_kind kind, size_t *n)
{
    pthread_once(&names_once, build_names);
    *n = nnames[kind];
    return names[kind];
}

const char *xf_feature_kind_name(enum xf_feature_kind kind)
{
    switch (kind) {
    case XF_FEAT_PROJECT_KEY:
        return "project key";
    case XF_FEAT_CONFIG:
        return "config";
    case XF_FEAT_YAML_TOP:
        return "properties key";
    case XF_FEAT_YAML_NODE:
        return "property";
    case XF_FEAT_FILE:
        return "file";
    default:
        return "flag";
    }
}

/* A config value that asks for something: true, text, a non-empty list,
 * or a mapping with such a value (`{enforced: false}` asks nothing). */
static bool value_on(const struct xf_value *v)
{
    switch (v->t) {
    case XF_V_BOOL:
        return v->u.b;
    case XF_V_NONE:
    case XF_V_UNDEF:
        return false;
    case XF_V_STR:
        return v->u.s.len > 0;
    case XF_V_LIST:
        return v->u.l->n > 0;
    case XF_V_DICT:
        for (size_t i = 0; i < v->u.d->n; i++)
            if (value_on(&v->u.d->ents[i].val))
                return true;
        return false;
    default:
        return true;
    }
}

void xf_feature_message(struct xf_buf *out, const struct xf_feature *f)
{
    xf_buf_addf(out, "not supported by xform yet: %s '%s%s'", xf_feature_kind_name(f->kind),
                f->kind == XF_FEAT_FLAG ? "--" : "", f->name);
}

const struct xf_feature *xf_feature_not_yet(enum xf_feature_kind kind, struct xf_str name,
                                            const struct xf_value *v)
{
    if (name.len && name.p[0] == '+' && kind == XF_FEAT_CONFIG)
        name = xf_str_n(name.p + 1, name.len - 1);
    const struct xf_feature *f = xf_feature_find(kind, name);
    if (!f || f->state != XF_FEAT_NOT_YET || (v && !value_on(v)))
        return NULL;
    return f;
}

static bool listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncmp(p, name, n))
            return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}

const struct xf_feature *xf_feature_elsewhere(enum xf_feature_kind kind, struct xf_str name,
                                              const struct xf_value *v, const char *adapter)
{
    if (name.len && name.p[0] == '+' && kind == XF_FEAT_CONFIG)
        name = xf_str_n(name.p + 1, name.len - 1);
    const struct xf_feature *f = xf_feature_find(kind, name);
    if (!f || !f->only || !adapter || listed(f->only, adapter) || (v && !value_on(v)))
        return NULL;
    return f;
}

void xf_feature_elsewhere_message(struct xf_buf *out, const struct xf_feature *f,
                                  const char *adapter)
{
    xf_buf_addf(out, "%s '%s' does nothing on %s (%s)", xf_feature_kind_name(f->kind), f->name,
                adapter, f->hint ? f->hint : "not available there");
}

bool xf_feature_warn_elsewhere(struct xf_diags *d, enum xf_feature_kind kind, struct xf_str name,
                               const struct xf_value *v, const char *adapter, struct xf_loc loc)
{
    const struct xf_feature *f = xf_feature_elsewhere(kind, name, v, adapter);
    if (!f)
        return false;
    struct xf_buf b = XF_BUF_INIT;
    xf_feature_elsewhere_message(&b, f, adapter);
    xf_diag_add(d, XF_SEV_WARNING, loc, "%s", b.ptr);
    xf_buf_release(&b);
    return true;
}

bool xf_feature_warn(struct xf_diags *d, enum xf_feature_kind kind, struct xf_str name,
                     const struct xf_value *v, struct xf_loc loc)
{
    const struct xf_feature *f = xf_feature_not_yet(kind, name, v);
    if (!f)
        return false;
    struct xf_buf b = XF_BUF_INIT;
    xf_feature_message(&b, f);
    struct xf_diag *g = xf_diag_add(d, XF_SEV_WARNING, loc, "%s", b.ptr);
    if (f->hint)
        xf_diag_hint(g, "%s", f->hint);
    xf_buf_release(&b);
    return true;
}
