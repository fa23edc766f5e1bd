// SPDX-License-Identifier: MIT
/*
 * Exposures, metrics, semantic models and saved queries from properties
 * files: checked against dbt's keys (an unknown key is a located error
 * with "did you mean"), kept as nodes in project.others with their
 * dependencies (ref, source, metric, measure) for the graph, and their
 * manifest members in dbt's manifest v12 shape (node->props), which the
 * YAML spells differently in places (a filter string becomes
 * {where_filters: [...]}, a window "7 days" becomes {count, granularity}).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser/loader.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const exposure_keys[] = {"name",  "type", "owner",    "description",
                                            "label", "url",  "maturity", "depends_on",
                                            "meta",  "tags", "config"};
static const char *const owner_keys[] = {"name", "email"};
static const char *const exposure_types[] = {"dashboard", "notebook", "analysis", "ml",
                                             "application"};
static const char *const maturities[] = {"high", "medium", "low"};
static const char *const other_config_keys[] = {"enabled", "meta", "tags", "group"};

static const char *const metric_keys[] = {
    "name", "description", "type",   "type_params", "label",           "filter",
    "meta", "tags",        "config", "group",       "time_granularity"};
static const char *const metric_types[] = {"simple", "ratio", "cumulative", "derived",
                                           "conversion"};
static const char *const type_params_keys[] = {"measure",
                                               "numerator",
                                               "denominator",
                                               "expr",
                                               "window",
                                               "grain_to_date",
                                               "metrics",
                                               "conversion_type_params",
                                               "cumulative_type_params"};

static const char *const sm_keys[] = {"name",           "description", "label",    "model",
                                      "defaults",       "entities",    "measures", "dimensions",
                                      "primary_entity", "config",      "group"};
static const char *const entity_keys[] = {"name", "type", "description", "label",
                                          "role", "expr", "config"};
static const char *const entity_types[] = {"foreign", "natural", "primary", "unique"};
static const char *const measure_keys[] = {"name",
                                           "agg",
                                           "description",
                                           "label",
                                           "create_metric",
                                           "expr",
                                           "agg_params",
                                           "non_additive_dimension",
                                           "agg_time_dimension",
                                           "config"};
static const char *const aggs[] = {"sum",         "min",     "max",        "count_distinct",
                                   "sum_boolean", "average", "percentile", "median",
                                   "count"};
static const char *const dimension_keys[] = {
    "name", "type", "description", "label", "is_partition", "type_params", "expr", "config"};
static const char *const dimension_types[] = {"categorical", "time"};

static const char *const sq_keys[] = {"name",    "description", "label", "query_params",
                                      "exports", "config",      "tags",  "group"};
static const char *const query_params_keys[] = {"metrics", "group_by", "where", "order_by",
                                                "limit"};
static const char *const export_keys[] = {"name", "config"};
static const char *const export_config_keys[] = {"export_as", "schema", "alias", "database"};

struct ctx {
    struct xf_loader *l;
    struct xf_arena *a;
    int err;
};

static struct xf_value S(const char *s) {
    return s ? xf_v_strc(s) : xf_v_none();
}

static void
set(struct ctx *c, struct xf_value *d, const char *k, struct xf_value v)
{
    xf_dict_set(c->a, d->u.d, xf_str_c(k), v);
}

static const struct xf_ynode *get(const struct xf_ynode *m, const char *k)
{
    const struct xf_ynode *v = m && m->kind == XF_Y_MAP ? xf_ynode_get(m, k) : NULL;
    return v && !xf_ynode_is_null(v) ? v : NULL;
}

static bool want_map(struct ctx *c, const struct xf_ynode *n, const char *what,
                     const char *const *keys, size_t nkeys)
{
    if (n->kind != XF_Y_MAP) {
        c->err = xf_error(c->l->diags, n->loc, "'%s' must be a mapping", what);
        return false;
    }
    if (keys && xf_loader_strict_keys(c->l, n, what, keys, nkeys) < 0)
        c->err = -1;
    return true;
}

/* A string member (NULL when absent); a mapping or list there is an error. */
static const char *str_of(struct ctx *c, const struct xf_ynode *m, const char *k)
{
    const struct xf_ynode *v = get(m, k);
    if (!v)
        return NULL;
    if (v->kind != XF_Y_SCALAR) {
        c->err = xf_error(c->l->diags, v->loc, "'%s' must be a string", k);
        return NULL;
    }
    return v->str.p;
}

/* A string that must be one of `allowed` (located error with "did you mean"). */
static const char *enum_of(struct ctx *c, const struct xf_ynode *m, const char *k,
                           const char *const *allowed, size_t n, bool required)
{
    const struct xf_ynode *v = get(m, k);
    if (!v) {
        if (required)
            c->err = xf_error(c->l->diags, m->loc, "'%s' is missing: it is required here", k);
        return NULL;
    }
    const char *s = str_of(c, m, k);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(s, allowed[i]))
            return allowed[i];
    const char *sug = xf_str_suggest(v->str, allowed, n);
    struct xf_buf b = XF_BUF_INIT;
    for (size_t i = 0; i < n; i++)
        xf_buf_addf(&b, "%s%s", i ? ", " : "", allowed[i]);
    struct xf_diag *d =
        xf_diag_add(c->l->diags, XF_SEV_ERROR, v->loc, "'%s' cannot be '%s'%s%s%s", k, s,
                    sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
    xf_diag_hint(d, "'%s' is one of: %s", k, b.ptr);
    xf_buf_release(&b);
    c->err = -1;
    return NULL;
}

/* Any YAML value as a value (none when absent). */
static struct xf_value val(struct ctx *c, const struct xf_ynode *m, const char *k)
{
    const struct xf_ynode *v = get(m, k);
    return v ? xf_ynode_value(c->a, v) : xf_v_none();
}

/* A scalar as text (expr: 1 is the string "1" in the manifest). */
static struct xf_value text(struct ctx *c, const struct xf_ynode *m, const char *k)
{
    const struct xf_ynode *v = get(m, k);
    if (!v)
        return xf_v_none();
    if (v->kind != XF_Y_SCALAR) {
        c->err = xf_error(c->l->diags, v->loc, "'%s' must be a string", k);
        return xf_v_none();
    }
    return xf_v_str(v->str);
}

static struct xf_value dict_or_empty(struct ctx *c, const struct xf_ynode *m, const char *k)
{
    const struct xf_ynode *v = get(m, k);
    if (!v)
        return xf_v_dict(c->a, 0);
    if (v->kind != XF_Y_MAP) {
        c->err = xf_error(c->l->diags, v->loc, "'%s' must be a mapping", k);
        return xf_v_dict(c->a, 0);
    }
    return xf_ynode_value(c->a, v);
}

/* filter: "{{ Dimension(...) }} > 0" (or a list of them) -> {where_filters: [...]} */
static struct xf_value where_filters(struct ctx *c, const struct xf_ynode *v)
{
    if (!v)
        return xf_v_none();
    struct xf_value list = xf_v_list(c->a, 2);
    const struct xf_ynode *one[1] = {v};
    const struct xf_ynode *const *items =
        v->kind == XF_Y_SEQ ? (const struct xf_ynode *const *)v->items : one;
    size_t n = v->kind == XF_Y_SEQ ? v->n : 1;
    for (size_t i = 0; i < n; i++) {
        if (items[i]->kind != XF_Y_SCALAR) {
            c->err = xf_error(c->l->diags, items[i]->loc, "a filter must be a string");
            continue;
        }
        struct xf_value f = xf_v_dict(c->a, 1);
        set(c, &f, "where_sql_template", xf_v_str(items[i]->str));
        xf_list_push(c->a, list.u.l, f);
    }
    struct xf_value d = xf_v_dict(c->a, 1);
    set(c, &d, "where_filters", list);
    return d;
}

/* window: "7 days" -> {count: 7, granularity: "day"} */
static struct xf_value window(struct ctx *c, const struct xf_ynode *v)
{
    if (!v)
        return xf_v_none();
    const char *s = v->kind == XF_Y_SCALAR ? v->str.p : NULL;
    char *end = NULL;
    long n = s ? strtol(s, &end, 10) : 0;
    if (!s || end == s || n <= 0) {
        struct xf_diag *d = xf_diag_add(c->l->diags, XF_SEV_ERROR, v->loc,
                                        "a window must be a count and a granularity");
        xf_diag_hint(d, "for example window: 7 days");
        c->err = -1;
        return xf_v_none();
    }
    while (*end == ' ')
        end++;
    size_t len = strlen(end);
    if (len > 1 && end[len - 1] == 's')
        len--; /* days -> day */
    struct xf_value d = xf_v_dict(c->a, 2);
    set(c, &d, "count", xf_v_int(n));
    set(c, &d, "granularity", xf_v_str((struct xf_str){xf_arena_strndup(c->a, end, len), len}));
    return d;
}

/* measure: "x" or {name, filter, alias, join_to_timespine, fill_nulls_with} */
static struct xf_value measure_input(struct ctx *c, const struct xf_ynode *v, struct xf_node *n)
{
    struct xf_value d = xf_v_dict(c->a, 5);
    const struct xf_ynode *name = v;
    if (v->kind == XF_Y_MAP) {
        static const char *const keys[] = {"name", "filter", "alias", "join_to_timespine",
                                           "fill_nulls_with"};
        want_map(c, v, "measure", keys, N(keys));
        name = get(v, "name");
        if (!name) {
            c->err = xf_error(c->l->diags, v->loc, "a measure needs a 'name'");
            return xf_v_none();
        }
    }
    if (name->kind != XF_Y_SCALAR) {
        c->err = xf_error(c->l->diags, name->loc, "a measure must be a name");
        return xf_v_none();
    }
    set(c, &d, "name", xf_v_str(name->str));
    set(c, &d, "filter", where_filters(c, get(v, "filter")));
    set(c, &d, "alias", val(c, v, "alias"));
    const struct xf_ynode *jt = get(v, "join_to_timespine");
    set(c, &d, "join_to_timespine", jt ? xf_ynode_value(c->a, jt) : xf_v_bool(false));
    set(c, &d, "fill_nulls_with", val(c, v, "fill_nulls_with"));
    struct xf_dep dep = {"measure", name->str.p, name->loc, NULL, NULL};
    xf_avec_push(c->a, &n->other_deps, dep);
    return d;
}

/* numerator / denominator / metrics[]: "m" or {name, filter, alias, offset_window, offset_to_grain}
 */
static struct xf_value metric_input(struct ctx *c, const struct xf_ynode *v, struct xf_node *n)
{
    struct xf_value d = xf_v_dict(c->a, 5);
    const struct xf_ynode *name = v;
    if (v->kind == XF_Y_MAP) {
        static const char *const keys[] = {"name", "filter", "alias", "offset_window",
                                           "offset_to_grain"};
        want_map(c, v, "metric input", keys, N(keys));
        name = get(v, "name");
        if (!name) {
            c->err = xf_error(c->l->diags, v->loc, "a metric input needs a 'name'");
            return xf_v_none();
        }
    }
    if (name->kind != XF_Y_SCALAR) {
        c->err = xf_error(c->l->diags, name->loc, "a metric input must be a name");
        return xf_v_none();
    }
    set(c, &d, "name", xf_v_str(name->str));
    set(c, &d, "filter", where_filters(c, get(v, "filter")));
    set(c, &d, "alias", val(c, v, "alias"));
    set(c, &d, "offset_window", window(c, get(v, "offset_window")));
    set(c, &d, "offset_to_grain", val(c, v, "offset_to_grain"));
    struct xf_dep dep = {"metric", name->str.p, name->loc, NULL, NULL};
    xf_avec_push(c->a, &n->other_deps, dep);
    return d;
}

/* config: the project file's tree for its kind (exposures:, metrics: ...)
 * by fqn, then {enabled, meta, tags, group} from the YAML; tags/meta synced. */
static void other_config(struct ctx *c, struct xf_node *n, const struct xf_ynode *e,
                         const char *const *keys, size_t nkeys)
{
    n->config = xf_loader_resolve_config(c->l, n->type, &n->fqn);
    const struct xf_ynode *cfg = get(e, "config");
    if (cfg && want_map(c, cfg, "config", keys, nkeys))
        xf_loader_config_merge_ynode(c->l, n->config.u.d, cfg);
    const struct xf_ynode *t = get(e, "tags");
    if (t)
        xf_loader_config_merge1(c->a, n->config.u.d, xf_str_c("tags"), xf_ynode_value(c->a, t));
    const struct xf_ynode *m = get(e, "meta");
    if (m)
        xf_loader_config_merge1(c->a, n->config.u.d, xf_str_c("meta"), xf_ynode_value(c->a, m));
    xf_loader_sync_node(c->l, n);
}

/* depends_on: ["ref('m')", "source('s', 't')", "metric('x')"] */
static void exposure_deps(struct ctx *c, struct xf_node *n, const struct xf_ynode *list)
{
    if (!list)
        return;
    if (list->kind != XF_Y_SEQ) {
        c->err = xf_error(c->l->diags, list->loc, "'depends_on' must be a list");
        return;
    }
    for (size_t i = 0; i < list->n; i++) {
        const struct xf_ynode *it = list->items[i];
        const char *s = it->kind == XF_Y_SCALAR ? it->str.p : "";
        while (*s == ' ')
            s++;
        const char *fn = !strncmp(s, "ref", 3)      ? "ref"
                         : !strncmp(s, "source", 6) ? "source"
                         : !strncmp(s, "metric", 6) ? "metric"
                                                    : NULL;
        const char *args[2] = {0};
        int na = 0;
        const char *p = fn ? s + strlen(fn) : s;
        while (*p == ' ')
            p++;
        bool ok = fn && *p++ == '(';
        while (ok) {
            while (*p == ' ' || *p == ',')
                p++;
            if (*p == ')') {
                p++;
                break;
            }
            char q = *p;
            if ((q != '\'' && q != '"') || na == 2) {
                ok = false;
                break;
            }
            const char *st = ++p;
            while (*p && *p != q)
                p++;
            if (!*p) {
                ok = false;
                break;
            }
            args[na++] = xf_arena_strndup(c->a, st, (size_t)(p - st));
            p++;
        }
        while (ok && *p == ' ')
            p++;
        ok = ok && !*p && na >= 1 && (strcmp(fn, "source") ? na <= 2 : na == 2) &&
             (strcmp(fn, "metric") || na == 1);
        if (!ok) {
            struct xf_diag *d =
                xf_diag_add(c->l->diags, XF_SEV_ERROR, it->loc,
                            "'depends_on' entries are ref(...), source(...) or metric(...)");
            xf_diag_hint(d, "for example - ref('orders')");
            c->err = -1;
            continue;
        }
        struct xf_dep dep = {na == 2 ? args[0] : NULL, args[na - 1], it->loc, NULL, NULL};
        if (!strcmp(fn, "ref")) {
            xf_avec_push(c->a, &n->refs, dep);
        } else if (!strcmp(fn, "source")) {
            xf_avec_push(c->a, &n->source_deps, dep);
        } else {
            dep.package = "metric";
            xf_avec_push(c->a, &n->other_deps, dep);
        }
    }
}

static void exposure(struct ctx *c, struct xf_node *n, const struct xf_ynode *e)
{
    struct xf_value p = n->props;
    set(c, &p, "type", S(enum_of(c, e, "type", exposure_types, N(exposure_types), true)));
    const struct xf_ynode *owner = get(e, "owner");
    struct xf_value o = xf_v_dict(c->a, 2);
    if (!owner) {
        c->err = xf_error(c->l->diags, e->loc, "an exposure needs an 'owner' (name or email)");
    } else if (want_map(c, owner, "owner", owner_keys, N(owner_keys))) {
        set(c, &o, "email", S(str_of(c, owner, "email")));
        set(c, &o, "name", S(str_of(c, owner, "name")));
    }
    set(c, &p, "owner", o);
    set(c, &p, "description", xf_v_strc(n->description));
    set(c, &p, "label", S(str_of(c, e, "label")));
    set(c, &p, "maturity", S(enum_of(c, e, "maturity", maturities, N(maturities), false)));
    set(c, &p, "url", S(str_of(c, e, "url")));
    other_config(c, n, e, other_config_keys, N(other_config_keys));
    set(c, &p, "meta", n->meta);
    set(c, &p, "tags", n->tags);
    exposure_deps(c, n, get(e, "depends_on"));
}

static void metric(struct ctx *c, struct xf_node *n, const struct xf_ynode *e)
{
    struct xf_value p = n->props;
    const char *type = enum_of(c, e, "type", metric_types, N(metric_types), true);
    set(c, &p, "type", S(type));
    set(c, &p, "description", xf_v_strc(n->description));
    const char *label = str_of(c, e, "label");
    if (!label && !c->err)
        c->err = xf_error(c->l->diags, e->loc, "metric '%s' needs a 'label'", n->name);
    set(c, &p, "label", S(label));
    const struct xf_ynode *tp = get(e, "type_params");
    struct xf_value t = xf_v_dict(c->a, 12);
    if (tp)
        want_map(c, tp, "type_params", type_params_keys, N(type_params_keys));
    const struct xf_ynode *m = get(tp, "measure");
    struct xf_value measure = m ? measure_input(c, m, n) : xf_v_none();
    set(c, &t, "measure", measure);
    struct xf_value inputs = xf_v_list(c->a, 1);
    if (measure.t == XF_V_DICT)
        xf_list_push(c->a, inputs.u.l, measure);
    set(c, &t, "input_measures", inputs);
    const struct xf_ynode *num = get(tp, "numerator"), *den = get(tp, "denominator");
    set(c, &t, "numerator", num ? metric_input(c, num, n) : xf_v_none());
    set(c, &t, "denominator", den ? metric_input(c, den, n) : xf_v_none());
    set(c, &t, "expr", text(c, tp, "expr"));
    set(c, &t, "window", window(c, get(tp, "window")));
    set(c, &t, "grain_to_date", val(c, tp, "grain_to_date"));
    const struct xf_ynode *ms = get(tp, "metrics");
    if (ms) {
        struct xf_value l = xf_v_list(c->a, ms->n);
        if (ms->kind != XF_Y_SEQ)
            c->err = xf_error(c->l->diags, ms->loc, "'metrics' must be a list");
        for (size_t i = 0; ms->kind == XF_Y_SEQ && i < ms->n; i++)
            xf_list_push(c->a, l.u.l, metric_input(c, ms->items[i], n));
        set(c, &t, "metrics", l);
    } else {
        set(c, &t, "metrics", xf_v_list(c->a, 0));
    }
    /* conversion and cumulative parameters: kept as written (rarely used with xform) */
    set(c, &t, "conversion_type_params", val(c, tp, "conversion_type_params"));
    set(c, &t, "cumulative_type_params", val(c, tp, "cumulative_type_params"));
    if (type && !strcmp(type, "simple") && !m && !c->err)
        c->err = xf_error(c->l->diags, tp ? tp->loc : e->loc,
                          "simple metric '%s' needs type_params.measure", n->name);
    set(c, &p, "type_params", t);
    set(c, &p, "filter", where_filters(c, get(e, "filter")));
    set(c, &p, "time_granularity", val(c, e, "time_granularity"));
    other_config(c, n, e, other_config_keys, N(other_config_keys));
    set(c, &p, "meta", n->meta);
    set(c, &p, "tags", n->tags);
    set(c, &p, "group", S(str_of(c, e, "group")));
}

/* entities / measures / dimensions: each item checked, nulls filled in. */
static struct xf_value sm_items(struct ctx *c, const struct xf_ynode *e, const char *k,
                                const char *const *keys, size_t nkeys)
{
    struct xf_value out = xf_v_list(c->a, 4);
    const struct xf_ynode *list = get(e, k);
    if (!list)
        return out;
    if (list->kind != XF_Y_SEQ) {
        c->err = xf_error(c->l->diags, list->loc, "'%s' must be a list", k);
        return out;
    }
    for (size_t i = 0; i < list->n; i++) {
        const struct xf_ynode *it = list->items[i];
        if (!want_map(c, it, k, keys, nkeys))
            continue;
        struct xf_value d = xf_v_dict(c->a, nkeys);
        const char *name = str_of(c, it, "name");
        if (!name)
            c->err = xf_error(c->l->diags, it->loc, "an entry of '%s' needs a 'name'", k);
        set(c, &d, "name", S(name));
        if (!strcmp(k, "entities")) {
            set(c, &d, "type", S(enum_of(c, it, "type", entity_types, N(entity_types), true)));
            set(c, &d, "description", val(c, it, "description"));
            set(c, &d, "label", val(c, it, "label"));
            set(c, &d, "role", val(c, it, "role"));
            set(c, &d, "expr", text(c, it, "expr"));
        } else if (!strcmp(k, "measures")) {
            set(c, &d, "agg", S(enum_of(c, it, "agg", aggs, N(aggs), true)));
            set(c, &d, "description", val(c, it, "description"));
            set(c, &d, "label", val(c, it, "label"));
            const struct xf_ynode *cm = get(it, "create_metric");
            set(c, &d, "create_metric", cm ? xf_ynode_value(c->a, cm) : xf_v_bool(false));
            set(c, &d, "expr", text(c, it, "expr"));
            set(c, &d, "agg_params", val(c, it, "agg_params"));
            set(c, &d, "non_additive_dimension", val(c, it, "non_additive_dimension"));
            set(c, &d, "agg_time_dimension", val(c, it, "agg_time_dimension"));
        } else {
            set(c, &d, "type",
                S(enum_of(c, it, "type", dimension_types, N(dimension_types), true)));
            set(c, &d, "description", val(c, it, "description"));
            set(c, &d, "label", val(c, it, "label"));
            const struct xf_ynode *ip = get(it, "is_partition");
            set(c, &d, "is_partition", ip ? xf_ynode_value(c->a, ip) : xf_v_bool(false));
            const struct xf_ynode *tp = get(it, "type_params");
            struct xf_value t = xf_v_none();
            if (tp) {
                static const char *const tpk[] = {"time_granularity", "validity_params"};
                want_map(c, tp, "type_params", tpk, N(tpk));
                t = xf_v_dict(c->a, 2);
                set(c, &t, "time_granularity", val(c, tp, "time_granularity"));
                set(c, &t, "validity_params", val(c, tp, "validity_params"));
            }
            set(c, &d, "type_params", t);
            set(c, &d, "expr", text(c, it, "expr"));
            set(c, &d, "metadata", xf_v_none());
        }
        const struct xf_ynode *cfg = get(it, "config");
        if (cfg) {
            static const char *const ck[] = {"meta"};
            want_map(c, cfg, "config", ck, N(ck));
            struct xf_value cd = xf_v_dict(c->a, 1);
            set(c, &cd, "meta", dict_or_empty(c, cfg, "meta"));
            set(c, &d, "config", cd);
        } else {
            set(c, &d, "config", xf_v_none());
        }
        xf_list_push(c->a, out.u.l, d);
    }
    return out;
}

static void semantic_model(struct ctx *c, struct xf_node *n, const struct xf_ynode *e)
{
    struct xf_value p = n->props;
    const struct xf_ynode *model = get(e, "model");
    if (!model) {
        c->err = xf_error(c->l->diags, e->loc, "semantic model '%s' needs a 'model' (ref(...))",
                          n->name);
    } else {
        const char *s = model->kind == XF_Y_SCALAR ? model->str.p : "";
        const char *q1 = strpbrk(s, "'\""), *q2 = q1 ? strchr(q1 + 1, *q1) : NULL;
        if (strncmp(s, "ref", 3) || !q1 || !q2) {
            struct xf_diag *d = xf_diag_add(c->l->diags, XF_SEV_ERROR, model->loc,
                                            "'model' of a semantic model must be ref(...)");
            xf_diag_hint(d, "for example model: ref('orders')");
            c->err = -1;
        } else {
            const char *q3 = strpbrk(q2 + 1, "'\""), *q4 = q3 ? strchr(q3 + 1, *q3) : NULL;
            struct xf_dep dep = {NULL, xf_arena_strndup(c->a, q1 + 1, (size_t)(q2 - q1 - 1)),
                                 model->loc, NULL, NULL};
            if (q3 && q4) { /* ref('pkg', 'name') */
                dep.package = dep.name;
                dep.name = xf_arena_strndup(c->a, q3 + 1, (size_t)(q4 - q3 - 1));
            }
            xf_avec_push(c->a, &n->refs, dep);
        }
        set(c, &p, "model", xf_v_str(model->str));
    }
    set(c, &p, "description", val(c, e, "description"));
    set(c, &p, "label", val(c, e, "label"));
    const struct xf_ynode *def = get(e, "defaults");
    struct xf_value dv = xf_v_none();
    if (def) {
        static const char *const dk[] = {"agg_time_dimension"};
        want_map(c, def, "defaults", dk, N(dk));
        dv = xf_v_dict(c->a, 1);
        set(c, &dv, "agg_time_dimension", val(c, def, "agg_time_dimension"));
    }
    set(c, &p, "defaults", dv);
    set(c, &p, "entities", sm_items(c, e, "entities", entity_keys, N(entity_keys)));
    set(c, &p, "measures", sm_items(c, e, "measures", measure_keys, N(measure_keys)));
    set(c, &p, "dimensions", sm_items(c, e, "dimensions", dimension_keys, N(dimension_keys)));
    set(c, &p, "metadata", xf_v_none());
    set(c, &p, "primary_entity", val(c, e, "primary_entity"));
    set(c, &p, "group", S(str_of(c, e, "group")));
    other_config(c, n, e, other_config_keys, N(other_config_keys));
}

static void saved_query(struct ctx *c, struct xf_node *n, const struct xf_ynode *e)
{
    struct xf_value p = n->props;
    set(c, &p, "description", val(c, e, "description"));
    set(c, &p, "label", val(c, e, "label"));
    const struct xf_ynode *qp = get(e, "query_params");
    struct xf_value q = xf_v_dict(c->a, 5);
    if (!qp)
        c->err = xf_error(c->l->diags, e->loc, "saved query '%s' needs 'query_params'", n->name);
    else
        want_map(c, qp, "query_params", query_params_keys, N(query_params_keys));
    struct xf_value metrics = xf_v_list(c->a, 2);
    const struct xf_ynode *ms = get(qp, "metrics");
    if (ms && ms->kind == XF_Y_SEQ) {
        for (size_t i = 0; i < ms->n; i++) {
            if (ms->items[i]->kind != XF_Y_SCALAR)
                continue;
            xf_list_push(c->a, metrics.u.l, xf_v_str(ms->items[i]->str));
            struct xf_dep dep = {"metric", ms->items[i]->str.p, ms->items[i]->loc, NULL, NULL};
            xf_avec_push(c->a, &n->other_deps, dep);
        }
    } else if (ms) {
        c->err = xf_error(c->l->diags, ms->loc, "'metrics' must be a list of metric names");
    }
    set(c, &q, "metrics", metrics);
    const struct xf_ynode *gb = get(qp, "group_by");
    set(c, &q, "group_by", gb ? xf_ynode_value(c->a, gb) : xf_v_list(c->a, 0));
    set(c, &q, "where", where_filters(c, get(qp, "where")));
    const struct xf_ynode *ob = get(qp, "order_by");
    set(c, &q, "order_by", ob ? xf_ynode_value(c->a, ob) : xf_v_list(c->a, 0));
    set(c, &q, "limit", val(c, qp, "limit"));
    set(c, &p, "query_params", q);
    struct xf_value exports = xf_v_list(c->a, 2);
    const struct xf_ynode *ex = get(e, "exports");
    if (ex && ex->kind != XF_Y_SEQ)
        c->err = xf_error(c->l->diags, ex->loc, "'exports' must be a list");
    for (size_t i = 0; ex && ex->kind == XF_Y_SEQ && i < ex->n; i++) {
        const struct xf_ynode *it = ex->items[i];
        if (!want_map(c, it, "exports", export_keys, N(export_keys)))
            continue;
        struct xf_value d = xf_v_dict(c->a, 3), cd = xf_v_dict(c->a, 4);
        set(c, &d, "name", S(str_of(c, it, "name")));
        const struct xf_ynode *cfg = get(it, "config");
        if (cfg)
            want_map(c, cfg, "an export's config", export_config_keys, N(export_config_keys));
        static const char *const as[] = {"table", "view"};
        const char *export_as = enum_of(c, cfg, "export_as", as, N(as), false);
        set(c, &cd, "export_as", xf_v_strc(export_as ? export_as : "table"));
        set(c, &cd, "schema_name", val(c, cfg, "schema"));
        set(c, &cd, "alias", val(c, cfg, "alias"));
        set(c, &cd, "database", val(c, cfg, "database"));
        set(c, &d, "config", cd);
        set(c, &d, "unrendered_config", xf_v_dict(c->a, 0));
        xf_list_push(c->a, exports.u.l, d);
    }
    set(c, &p, "exports", exports);
    set(c, &p, "metadata", xf_v_none());
    set(c, &p, "group", S(str_of(c, e, "group")));
    static const char *const sq_config_keys[] = {"enabled", "meta",      "tags",  "group",
                                                 "cache",   "export_as", "schema"};
    other_config(c, n, e, sq_config_keys, N(sq_config_keys));
    set(c, &p, "tags", n->tags);
}

int xf_loader_semantic(struct xf_loader *l, const struct xf_props_file *f, enum xf_resource kind,
                       const struct xf_ynode *list)
{
    const char *section = kind == XF_RES_EXPOSURE         ? "exposures"
                          : kind == XF_RES_METRIC         ? "metrics"
                          : kind == XF_RES_SEMANTIC_MODEL ? "semantic_models"
                                                          : "saved_queries";
    const char *what = kind == XF_RES_EXPOSURE         ? "an exposure"
                       : kind == XF_RES_METRIC         ? "a metric"
                       : kind == XF_RES_SEMANTIC_MODEL ? "a semantic model"
                                                       : "a saved query";
    if (xf_ynode_is_null(list))
        return 0;
    if (list->kind != XF_Y_SEQ)
        return xf_error(l->diags, list->loc, "'%s' must be a list", section);
    struct ctx C = {l, l->a, 0}, *c = &C;
    int err = 0;
    for (size_t i = 0; i < list->n; i++) {
        const struct xf_ynode *e = list->items[i];
        c->err = 0;
        if (e->kind != XF_Y_MAP) {
            err = xf_error(l->diags, e->loc, "an entry of '%s' must be a mapping", section);
            continue;
        }
        const char *const *keys = kind == XF_RES_EXPOSURE         ? exposure_keys
                                  : kind == XF_RES_METRIC         ? metric_keys
                                  : kind == XF_RES_SEMANTIC_MODEL ? sm_keys
                                                                  : sq_keys;
        size_t nkeys = kind == XF_RES_EXPOSURE         ? N(exposure_keys)
                       : kind == XF_RES_METRIC         ? N(metric_keys)
                       : kind == XF_RES_SEMANTIC_MODEL ? N(sm_keys)
                                                       : N(sq_keys);
        if (xf_loader_strict_keys(l, e, what, keys, nkeys) < 0)
            c->err = -1;
        const struct xf_ynode *name = get(e, "name");
        if (!name || name->kind != XF_Y_SCALAR) {
            err = xf_error(l->diags, e->loc, "%s needs a 'name'", what);
            continue;
        }
        struct xf_node *n = XF_ANEW(l->a, struct xf_node);
        n->type = kind;
        n->name = name->str.p;
        n->package = l->u->name;
        n->unique_id =
            xf_arena_printf(l->a, "%s.%s.%s", xf_resource_name(kind), l->u->name, n->name);
        n->path = f->rel;
        n->original_file_path = f->ofp;
        n->patch_path = f->patch_path;
        n->src = f->src;
        n->props_loc = name->loc;
        n->fqn = xf_loader_fqn(l, NULL, f->rel, n->name, NULL);
        n->description = "";
        const struct xf_ynode *d = get(e, "description");
        if (d && d->kind == XF_Y_SCALAR)
            n->description = d->str.p;
        n->props = xf_v_dict(l->a, 16);
        switch (kind) {
        case XF_RES_EXPOSURE:
            exposure(c, n, e);
            break;
        case XF_RES_METRIC:
            metric(c, n, e);
            break;
        case XF_RES_SEMANTIC_MODEL:
            semantic_model(c, n, e);
            break;
        default:
            saved_query(c, n, e);
            break;
        }
        for (size_t k = 0; k < l->p->others.n && !c->err; k++) {
            const struct xf_node *o = l->p->others.v[k];
            if (o->type == kind && !strcmp(o->unique_id, n->unique_id))
                c->err = xf_error(l->diags, name->loc, "duplicate %s name '%s' (also in '%s')",
                                  xf_resource_name(kind), n->name, o->original_file_path);
        }
        if (c->err) {
            err = -1;
            continue;
        }
        xf_avec_push(l->a, &l->p->others, n);
    }
    return err ? -1 : 0;
}
