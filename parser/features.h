// SPDX-License-Identifier: MIT
/*
 * The one table of what xform knows of dbt: project keys, config keys,
 * properties-file keys, project files and command-line flags, each either
 * supported or not yet. Nothing is accepted and ignored: a "not yet"
 * entry a project uses gets one located warning in one format.
 */
#ifndef XF_PARSER_FEATURES_H
#define XF_PARSER_FEATURES_H

#include <stdbool.h>
#include <stddef.h>

#include "util/diag.h"
#include "util/str.h"
#include "util/value.h"

enum xf_feature_kind {
    XF_FEAT_PROJECT_KEY, /* top-level key of dbt_project.yml */
    XF_FEAT_CONFIG,      /* config key: project tree, YAML config:, properties */
    XF_FEAT_YAML_TOP,    /* top-level key of a properties file */
    XF_FEAT_YAML_NODE,   /* key of a models:/seeds:/snapshots:/analyses: entry */
    XF_FEAT_FILE,        /* file in the project folder */
    XF_FEAT_FLAG,        /* command-line flag, without its dashes */
    XF_FEAT_NKINDS
};

enum xf_feature_state { XF_FEAT_SUPPORTED, XF_FEAT_NOT_YET };

struct xf_feature {
    enum xf_feature_kind kind;
    const char *name;
    enum xf_feature_state state;
    const char *hint; /* for a "not yet" entry: what happens instead, or NULL */
    /*
     * Supported on these adapters only ("postgres", comma-separated), or
     * NULL: on every one. Elsewhere it warns as xf_feature_elsewhere says,
     * with `hint` saying why.
     */
    const char *only;
};

/* The whole table (n entries); static, never freed. */
const struct xf_feature *xf_features(size_t *n);

/* The entry for a name of a kind, or NULL when xform does not know it. */
const struct xf_feature *xf_feature_find(enum xf_feature_kind kind, struct xf_str name);

/*
 * Every name of a kind, for "did you mean" (static, thread-safe, built
 * once); *n gets the count.
 */
const char *const *xf_feature_names(enum xf_feature_kind kind, size_t *n);

/* "project key", "config", "file", "flag" ... as the warnings say it. */
const char *xf_feature_kind_name(enum xf_feature_kind kind);

/*
 * Adds the warning for a "not yet" entry used at loc: "not supported by
 * xform yet: <kind> '<name>'" with the entry's hint. A config is only
 * warned about when its value turns something on (`contract: {enforced:
 * false}` is what xform does anyway). Pass v NULL for keys without a
 * value to judge. Returns true when it warned.
 */
bool xf_feature_warn(struct xf_diags *d, enum xf_feature_kind kind, struct xf_str name,
                     const struct xf_value *v, struct xf_loc loc);

/*
 * The "not yet" entry that xf_feature_warn would warn about, or NULL: for
 * callers that report through their own channel (config() in templates).
 */
const struct xf_feature *xf_feature_not_yet(enum xf_feature_kind kind, struct xf_str name,
                                            const struct xf_value *v);

/*
 * The entry when `name` is supported only on other adapters than
 * `adapter` (the target's type) and v turns it on, else NULL.
 */
const struct xf_feature *xf_feature_elsewhere(enum xf_feature_kind kind, struct xf_str name,
                                              const struct xf_value *v, const char *adapter);
/* xf_feature_elsewhere's located warning into d; true when it warned. */
bool xf_feature_warn_elsewhere(struct xf_diags *d, enum xf_feature_kind kind, struct xf_str name,
                               const struct xf_value *v, const char *adapter, struct xf_loc loc);
/* Its text: "config 'grants' does nothing on sqlite (<hint>)". */
void xf_feature_elsewhere_message(struct xf_buf *out, const struct xf_feature *f,
                                  const char *adapter);

/* The warning's text, for callers without a diags list (flags, templates). */
void xf_feature_message(struct xf_buf *out, const struct xf_feature *f);

#endif
