// SPDX-License-Identifier: MIT
/*
 * Node selection with dbt's grammar: space-separated selectors are a
 * union, comma-joined ones an intersection; each selector is an optional
 * graph operator (@, N+, +N) around `method:value` or a bare name/path.
 * Every set is a bool per graph node; traversals are breadth-first from
 * all seeds at once, so one selector costs O(nodes + edges).
 */
#include "graph/graph.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#define UNLIMITED UINT32_MAX

enum method {
    M_FQN,
    M_TAG,
    M_PATH,
    M_FILE,
    M_PACKAGE,
    M_CONFIG,
    M_RESOURCE_TYPE,
    M_TEST_TYPE,
    M_TEST_NAME,
    M_SOURCE,
    M_ACCESS,
    M_GROUP,
    M_STATE,
    M_RESULT,
    M_SOURCE_STATUS,
    M_VERSION,
    M_KIND, /* exposure:, metric:, semantic_model:, saved_query:, unit_test: by name */
    M_UNSUPPORTED,
};

static const struct {
    const char *name;
    enum method m;
} methods[] = {
    {"fqn", M_FQN},
    {"tag", M_TAG},
    {"path", M_PATH},
    {"file", M_FILE},
    {"package", M_PACKAGE},
    {"config", M_CONFIG},
    {"resource_type", M_RESOURCE_TYPE},
    {"test_type", M_TEST_TYPE},
    {"test_name", M_TEST_NAME},
    {"source", M_SOURCE},
    {"access", M_ACCESS},
    {"group", M_GROUP},
    {"state", M_STATE},
    {"result", M_RESULT},
    {"source_status", M_SOURCE_STATUS},
    /* dbt methods for things xform does not have (yet) */
    {"exposure", M_KIND},
    {"metric", M_KIND},
    {"version", M_VERSION},
    {"semantic_model", M_KIND},
    {"saved_query", M_KIND},
    {"unit_test", M_KIND},
    {"wildcard", M_UNSUPPORTED},
};
#define NMETHODS (sizeof methods / sizeof methods[0])

/* resource_type values: ours, then dbt's that never match here */
static const char *const res_types[] = {
    "model",  "seed",        "snapshot",       "test",      "source",   "analysis", "exposure",
    "metric", "saved_query", "semantic_model", "unit_test", "function", "operation"};
#define NRES_OURS 11
#define NRES (sizeof res_types / sizeof res_types[0])

static const char *const test_types[] = {"generic", "singular", "schema", "data", "unit"};
#define NTEST_TYPES (sizeof test_types / sizeof test_types[0])

/* One parsed selector: [@|N+] [method[.arg]:]value [+N]. */
struct atom {
    const char *raw;
    bool at;
    uint32_t up, down; /* 0: no operator; UNLIMITED or a depth */
    enum method m;
    const char *arg; /* config key path ("materialized", "meta.owner") */
    char *value;     /* NUL-terminated */
    int rtype;       /* resource_type: index into res_types */
    /* fqn: the value split at dots, and where its first wildcard part is */
    struct xf_str parts[64];
    size_t nparts;
    size_t wild_from; /* nparts when no part has a wildcard */
    int ttype;        /* test_type: 0 generic, 1 singular, 2 unit, -1 none */
    const char *kind; /* M_KIND: the method's name, as xf_resource_name says it */
    /* state: the flags any of which selects a node; `unmodified`/`old` below */
    unsigned smask;
    bool s_unmodified, s_old, s_new;
};

/* state: values and sub-selectors, as dbt's StateSelectorMethod. */
#define MOD_ANY                                                                                    \
    (XF_STATE_MOD_BODY | XF_STATE_MOD_CONFIGS | XF_STATE_MOD_RELATION | XF_STATE_MOD_DESCS |       \
     XF_STATE_MOD_MACROS | XF_STATE_MOD_CONTRACT | XF_STATE_MOD_OTHER)
static const struct {
    const char *name;
    unsigned mask;
} state_subs[] = {
    {"body", XF_STATE_MOD_BODY},         {"configs", XF_STATE_MOD_CONFIGS},
    {"relation", XF_STATE_MOD_RELATION}, {"persisted_descriptions", XF_STATE_MOD_DESCS},
    {"macros", XF_STATE_MOD_MACROS},     {"contract", XF_STATE_MOD_CONTRACT},
};
#define NSTATE_SUBS (sizeof state_subs / sizeof state_subs[0])

static const char *const result_values[] = {"success", "error",   "fail",  "warn",
                                            "pass",    "skipped", "no-op", "runtime error"};
#define NRESULT_VALUES (sizeof result_values / sizeof result_values[0])

struct sel {
    const struct xf_graph *g;
    struct xf_diags *diags;
    bool *acc, *one, *base, *tmp; /* g->n each */
    uint32_t *queue;
    uint32_t *depth;
    int errors;
};

static bool glob(const char *pattern, const char *s, int flags)
{
    return s && fnmatch(pattern, s, flags) == 0;
}

static const struct xf_value *cfg(const struct xf_node *n, const char *key)
{
    if (n->config.t != XF_V_DICT || !n->config.u.d)
        return NULL;
    return xf_dict_getc(n->config.u.d, key);
}

/* A slice as a C string in `buf`; NULL when it does not fit. */
static const char *cstr(char *buf, size_t cap, struct xf_str v)
{
    if (v.len >= cap)
        return NULL;
    memcpy(buf, v.p, v.len);
    buf[v.len] = '\0';
    return buf;
}

static const char *type_name(enum xf_resource r)
{
    return xf_resource_name(r);
}

static bool is_generic_test(const struct xf_node *n)
{
    return n->type == XF_RES_TEST && (n->decl || n->attached);
}

/* ---- parsing ------------------------------------------------------------ */

static int sel_error(struct sel *s, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int sel_error(struct sel *s, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct xf_diag *d = xf_diag_vadd(s->diags, XF_SEV_ERROR, XF_NOLOC, fmt, ap);
    va_end(ap);
    if (hint)
        xf_diag_hint(d, "%s", hint);
    s->errors++;
    return -1;
}

static uint32_t parse_depth(const char *p, size_t n)
{
    if (n == 0)
        return UNLIMITED;
    unsigned long v = 0;
    for (size_t i = 0; i < n; i++) {
        v = v * 10 + (unsigned long)(p[i] - '0');
        if (v >= UNLIMITED)
            return UNLIMITED - 1;
    }
    return (uint32_t)v;
}

static const char *suggestion_suffix(char *buf, size_t cap, const char *sugg)
{
    if (!sugg)
        return "";
    snprintf(buf, cap, " (did you mean '%s'?)", sugg);
    return buf;
}

/* Splits "a.b.c" into up to `cap` slices. */
static size_t split_dots(struct xf_str s, struct xf_str *out, size_t cap, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i <= s.len; i++) {
        if (i == s.len || s.p[i] == '.') {
            if (n < cap)
                out[n] = xf_str_n(s.p + start, i - start);
            n++;
            start = i + 1;
        }
    }
    return n;
}

static void join(char *buf, size_t cap, const struct xf_str *parts, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t need = parts[i].len + (i ? 1 : 0);
        if (len + need + 1 > cap)
            return;
        if (i)
            buf[len++] = '.';
        memcpy(buf + len, parts[i].p, parts[i].len);
        len += parts[i].len;
        buf[len] = '\0';
    }
}

static int prepare(struct atom *a)
{
    size_t cap = sizeof a->parts / sizeof a->parts[0];
    a->nparts = split_dots(xf_str_c(a->value), a->parts, cap, 0);
    a->wild_from = a->nparts;
    for (size_t i = 0; i < a->nparts && i < cap; i++) {
        if (memchr(a->parts[i].p, '*', a->parts[i].len) ||
            memchr(a->parts[i].p, '?', a->parts[i].len) ||
            memchr(a->parts[i].p, '[', a->parts[i].len)) {
            a->wild_from = i;
            break;
        }
    }
    return 0;
}

/* The value of a state:, result: or source_status: selector, checked. */
static int parse_state_atom(struct sel *s, struct atom *a, const char *mname)
{
    char dym[128];
    const struct xf_graph *g = s->g;
    if (g && !g->state)
        return sel_error(s, "pass the folder of an earlier run's artifacts: --state DIR",
                         "selector '%s' needs --state: there is nothing to compare with", a->raw);
    if (a->m == M_RESULT) {
        if (a->arg)
            return sel_error(s, NULL, "selector method 'result' takes no argument in '%s'", a->raw);
        size_t k;
        for (k = 0; k < NRESULT_VALUES; k++)
            if (!strcmp(result_values[k], a->value))
                break;
        if (k == NRESULT_VALUES)
            return sel_error(s, "statuses: success, error, fail, warn, pass, skipped",
                             "unknown result status '%s' in '%s'%s", a->value, a->raw,
                             suggestion_suffix(dym, sizeof dym,
                                               xf_str_suggest(xf_str_c(a->value), result_values,
                                                              NRESULT_VALUES)));
        if (g && !g->state->has_results)
            return sel_error(s, "run a command that writes run_results.json into that folder",
                             "selector '%s' needs run_results.json in the --state folder", a->raw);
        return 0;
    }
    if (a->m == M_SOURCE_STATUS) {
        static const char *const vals[] = {"fresher"};
        if (a->arg || strcmp(a->value, "fresher") != 0)
            return sel_error(
                s, "source_status:fresher selects sources loaded since the state run",
                "unknown source status '%s' in '%s'%s", a->value, a->raw,
                suggestion_suffix(dym, sizeof dym, xf_str_suggest(xf_str_c(a->value), vals, 1)));
        if (g && !g->state->has_sources)
            return sel_error(s,
                             "run 'xform source freshness' in production (its sources.json in "
                             "--state) and here (target/sources.json)",
                             "selector '%s' needs sources.json in the --state folder and in the "
                             "target folder",
                             a->raw);
        return 0;
    }
    /* state:new | old | unmodified | modified[.sub] */
    (void)mname;
    if (!strcmp(a->value, "new") && !a->arg) {
        a->s_new = true;
        return 0;
    }
    if (!strcmp(a->value, "old") && !a->arg) {
        a->s_old = true;
        return 0;
    }
    if (!strcmp(a->value, "unmodified") && !a->arg) {
        a->s_unmodified = true;
        return 0;
    }
    /* `state.x:y` is not dbt's spelling; the sub-selector follows the value */
    const char *v = a->value;
    if (a->arg || strncmp(v, "modified", 8) != 0 || (v[8] && v[8] != '.')) {
        static const char *const vals[] = {"new", "old", "modified", "unmodified"};
        return sel_error(s,
                         "state:new, state:old, state:modified[.body|.configs|.relation|"
                         ".persisted_descriptions|.macros|.contract], state:unmodified",
                         "unknown state selector '%s'%s", a->raw,
                         suggestion_suffix(dym, sizeof dym, xf_str_suggest(xf_str_c(v), vals, 4)));
    }
    if (!v[8]) {
        a->smask = MOD_ANY;
        return 0;
    }
    const char *sub = v + 9;
    for (size_t k = 0; k < NSTATE_SUBS; k++)
        if (!strcmp(state_subs[k].name, sub)) {
            a->smask = state_subs[k].mask;
            return 0;
        }
    const char *names[NSTATE_SUBS];
    for (size_t k = 0; k < NSTATE_SUBS; k++)
        names[k] = state_subs[k].name;
    return sel_error(
        s,
        "sub-selectors: body, configs, relation, persisted_descriptions, macros, "
        "contract",
        "unknown state:modified sub-selector '%s' in '%s'%s", sub, a->raw,
        suggestion_suffix(dym, sizeof dym, xf_str_suggest(xf_str_c(sub), names, NSTATE_SUBS)));
}

/* Parses `text` (modified in place); `raw` is the unmodified copy for messages. */
static int parse_atom(struct sel *s, struct atom *a, const char *raw, char *text)
{
    char dym[128];
    memset(a, 0, sizeof *a);
    a->raw = raw;
    a->ttype = -1;
    char *p = text, *end = text + strlen(text);

    if (*p == '@') {
        a->at = true;
        p++;
    }
    char *q = p;
    while (isdigit((unsigned char)*q))
        q++;
    if (*q == '+') {
        a->up = parse_depth(p, (size_t)(q - p));
        p = q + 1;
    }
    q = end;
    while (q > p && isdigit((unsigned char)q[-1]))
        q--;
    if (q > p && q[-1] == '+') {
        a->down = parse_depth(q, (size_t)(end - q));
        end = q - 1;
    }
    *end = '\0';
    if (a->at && (a->up || a->down))
        return sel_error(s, "use either '@' or '+' operators on one selector",
                         "cannot combine '@' with '+' in '%s'", a->raw);

    /* method: a word (letters, digits, _ and .) before the first ':' */
    char *colon = strchr(p, ':');
    char *mname = NULL;
    if (colon) {
        char *w = p;
        while (w < colon && (isalnum((unsigned char)*w) || *w == '_' || *w == '.'))
            w++;
        if (w == colon && colon > p) {
            *colon = '\0';
            mname = p;
            p = colon + 1;
        }
    }
    a->value = p;
    if (!*a->value)
        return sel_error(s, "write a name, or method:value such as tag:nightly",
                         "empty selector in '%s'", a->raw);

    if (!mname) {
        size_t n = strlen(p);
        if (strchr(p, '/'))
            a->m = M_PATH;
        else if ((n > 4 && (!strcmp(p + n - 4, ".sql") || !strcmp(p + n - 4, ".csv") ||
                            !strcmp(p + n - 4, ".yml"))) ||
                 (n > 3 && !strcmp(p + n - 3, ".py")))
            a->m = M_FILE;
        else
            a->m = M_FQN;
        return prepare(a);
    }
    char *dot = strchr(mname, '.');
    if (dot) {
        *dot = '\0';
        a->arg = dot + 1;
    }
    size_t k;
    for (k = 0; k < NMETHODS; k++)
        if (!strcmp(methods[k].name, mname))
            break;
    if (k == NMETHODS) {
        const char *names[NMETHODS];
        for (size_t i = 0; i < NMETHODS; i++)
            names[i] = methods[i].name;
        const char *sugg = xf_str_suggest(xf_str_c(mname), names, NMETHODS);
        return sel_error(s,
                         "methods: fqn, tag, path, file, package, config.<key>, resource_type, "
                         "test_type, test_name, source, access, group, exposure, metric, "
                         "semantic_model, saved_query, unit_test",
                         "unknown selector method '%s' in '%s'%s", mname, a->raw,
                         suggestion_suffix(dym, sizeof dym, sugg));
    }
    a->m = methods[k].m;
    a->kind = methods[k].name;
    if (a->m == M_STATE || a->m == M_RESULT || a->m == M_SOURCE_STATUS)
        return parse_state_atom(s, a, mname);
    if (a->m == M_UNSUPPORTED)
        return sel_error(s, NULL, "selector method '%s' in '%s' is not supported by xform", mname,
                         a->raw);
    if (a->m == M_CONFIG && (!a->arg || !*a->arg))
        return sel_error(s, "name the config key, as in config.materialized:table",
                         "selector method 'config' needs a key in '%s'", a->raw);
    if (a->m != M_CONFIG && a->arg)
        return sel_error(s, NULL, "selector method '%s' takes no argument in '%s'", mname, a->raw);
    if (a->m == M_FQN)
        return prepare(a);
    if (a->m == M_RESOURCE_TYPE) {
        for (k = 0; k < NRES; k++)
            if (!strcmp(res_types[k], a->value))
                break;
        if (k == NRES)
            return sel_error(
                s,
                "resource types: model, seed, snapshot, test, source, analysis, exposure, "
                "metric, saved_query, semantic_model, unit_test",
                "unknown resource type '%s' in '%s'%s", a->value, a->raw,
                suggestion_suffix(dym, sizeof dym,
                                  xf_str_suggest(xf_str_c(a->value), res_types, NRES)));
        a->rtype = (int)k;
    }
    if (a->m == M_TEST_TYPE) {
        for (k = 0; k < NTEST_TYPES; k++)
            if (!strcmp(test_types[k], a->value))
                break;
        if (k == NTEST_TYPES)
            return sel_error(
                s, "test types: generic, singular, unit", "unknown test type '%s' in '%s'%s",
                a->value, a->raw,
                suggestion_suffix(dym, sizeof dym,
                                  xf_str_suggest(xf_str_c(a->value), test_types, NTEST_TYPES)));
        a->ttype = k == 0 || k == 2 ? 0 : k == 1 || k == 3 ? 1 : 2;
    }
    return 0;
}

/* ---- matching ----------------------------------------------------------- */

/*
 * dbt's qualified-name rule: the selector is a prefix of the dot-flattened
 * fqn; from its first part with a wildcard on, the rest is one glob.
 */
static bool fqn_prefix(const struct atom *a, const struct xf_str *fqn, size_t nfqn)
{
    if (nfqn < a->nparts)
        return false;
    for (size_t i = 0; i < a->wild_from; i++)
        if (!xf_str_eq(fqn[i], a->parts[i]))
            return false;
    if (a->wild_from == a->nparts)
        return true;
    char pat[1024], str[1024];
    join(pat, sizeof pat, a->parts + a->wild_from, a->nparts - a->wild_from);
    join(str, sizeof str, fqn + a->wild_from, nfqn - a->wild_from);
    return fnmatch(pat, str, 0) == 0;
}

#define MAXPARTS 64

static bool match_fqn(const struct atom *a, const struct xf_node *n)
{
    if (n->type == XF_RES_SOURCE || a->nparts > MAXPARTS)
        return false;
    if (!strcmp(n->name, a->value))
        return true;
    /* a version by name: m.v2 (dbt's fqn ends in the version) */
    if (n->version) {
        size_t nl = strlen(n->name);
        if (!strncmp(a->value, n->name, nl) && a->value[nl] == '.' && a->value[nl + 1] == 'v' &&
            !strcmp(a->value + nl + 2, n->version))
            return true;
    }
    /* beyond dbt: a bare name with wildcards (stg_*) matches names in any folder */
    if (a->nparts == 1 && a->wild_from == 0 && glob(a->value, n->name, 0))
        return true;
    struct xf_str fqn[MAXPARTS];
    size_t nfqn = 0;
    if (n->fqn.t == XF_V_LIST) {
        for (size_t i = 0; i < n->fqn.u.l->n; i++) {
            const struct xf_value *v = &n->fqn.u.l->items[i];
            if (v->t == XF_V_STR)
                nfqn = split_dots(v->u.s, fqn, MAXPARTS, nfqn);
        }
    } else {
        nfqn = split_dots(xf_str_c(n->package ? n->package : ""), fqn, MAXPARTS, 0);
        nfqn = split_dots(xf_str_c(n->name), fqn, MAXPARTS, nfqn);
    }
    if (nfqn > MAXPARTS || nfqn == 0)
        return false;
    /* with the package, or from the first folder (any package) */
    return fqn_prefix(a, fqn, nfqn) || fqn_prefix(a, fqn + 1, nfqn - 1);
}

static bool match_tag(const struct xf_node *n, const char *value)
{
    const struct xf_value *lists[2] = {&n->tags, cfg(n, "tags")};
    char buf[256];
    for (int k = 0; k < 2; k++) {
        const struct xf_value *t = lists[k];
        if (!t)
            continue;
        if (t->t == XF_V_STR && glob(value, cstr(buf, sizeof buf, t->u.s), 0))
            return true;
        if (t->t != XF_V_LIST)
            continue;
        for (size_t i = 0; i < t->u.l->n; i++) {
            const struct xf_value *e = &t->u.l->items[i];
            if (e->t == XF_V_STR && glob(value, cstr(buf, sizeof buf, e->u.s), 0))
                return true;
        }
    }
    return false;
}

static bool match_path(const struct xf_node *n, const char *value)
{
    const char *path = n->original_file_path;
    if (!path)
        return false;
    char buf[4096];
    size_t len = strlen(path);
    if (len >= sizeof buf)
        return false;
    memcpy(buf, path, len + 1);
    if (fnmatch(value, buf, FNM_PATHNAME) == 0)
        return true;
    for (size_t i = len; i-- > 0;) { /* every folder the file is in */
        if (buf[i] == '/') {
            buf[i] = '\0';
            if (fnmatch(value, buf, FNM_PATHNAME) == 0)
                return true;
        }
    }
    return false;
}

static bool match_file(const struct xf_node *n, const char *value)
{
    const char *path = n->original_file_path;
    if (!path)
        return false;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (glob(value, base, 0))
        return true;
    char stem[1024];
    const char *dot = strrchr(base, '.');
    size_t len = dot ? (size_t)(dot - base) : strlen(base);
    if (len >= sizeof stem)
        return false;
    memcpy(stem, base, len);
    stem[len] = '\0';
    return glob(value, stem, 0);
}

static bool value_is(const struct xf_value *v, const char *want)
{
    char buf[64];
    switch (v->t) {
    case XF_V_STR:
        return xf_str_eqc(v->u.s, want);
    case XF_V_BOOL:
        return !strcasecmp(want, v->u.b ? "true" : "false");
    case XF_V_INT:
        snprintf(buf, sizeof buf, "%lld", (long long)v->u.i);
        return !strcmp(buf, want);
    case XF_V_FLOAT:
        snprintf(buf, sizeof buf, "%g", v->u.f);
        return !strcmp(buf, want);
    case XF_V_NONE:
        return !strcasecmp(want, "none") || !strcasecmp(want, "null");
    case XF_V_LIST:
        for (size_t i = 0; i < v->u.l->n; i++)
            if (value_is(&v->u.l->items[i], want))
                return true;
        return false;
    default:
        return false;
    }
}

static const char *default_materialized(const struct xf_node *n)
{
    switch (n->type) {
    case XF_RES_MODEL:
        return "view";
    case XF_RES_SEED:
        return "seed";
    case XF_RES_SNAPSHOT:
        return "snapshot";
    case XF_RES_TEST:
        return "test";
    default:
        return NULL;
    }
}

static bool match_config(const struct xf_node *n, const char *keypath, const char *value)
{
    const struct xf_value *v = &n->config;
    const char *k = keypath;
    for (;;) {
        const char *dot = strchr(k, '.');
        size_t len = dot ? (size_t)(dot - k) : strlen(k);
        if (v->t != XF_V_DICT || !v->u.d) {
            v = NULL;
            break;
        }
        v = xf_dict_get(v->u.d, xf_str_n(k, len));
        if (!v || !dot)
            break;
        k = dot + 1;
    }
    if (v)
        return value_is(v, value);
    /* defaults every dbt node has */
    if (!strcmp(keypath, "materialized")) {
        const char *d = default_materialized(n);
        return d && !strcmp(d, value);
    }
    if (!strcmp(keypath, "enabled"))
        return !strcasecmp(value, "true");
    if (!strcmp(keypath, "access"))
        return n->type == XF_RES_MODEL && !strcmp(value, "protected");
    return false;
}

static bool match_source(const struct xf_node *n, const char *value)
{
    if (n->type != XF_RES_SOURCE)
        return false;
    struct xf_str sp[4];
    size_t nsp = split_dots(xf_str_c(value), sp, 4, 0);
    if (nsp > 3)
        return false;
    /* source, source.table or package.source.table */
    const char *want[3] = {n->package, n->source_name, n->name};
    const char *const *w = nsp == 3 ? want : want + 1;
    for (size_t i = 0; i < nsp; i++) {
        char part[256];
        join(part, sizeof part, &sp[i], 1);
        if (!glob(part, w[i], 0))
            return false;
    }
    return true;
}

static bool match_test_name(const struct xf_node *n, const char *value)
{
    if (!is_generic_test(n) || !n->decl || !n->decl->test_name)
        return false;
    const char *name = n->decl->test_name;
    if (glob(value, name, 0))
        return true;
    const char *dot = strrchr(name, '.');
    return dot && glob(value, dot + 1, 0);
}

/* version:latest|prerelease|old|none, as dbt: a version against its model's latest. */
static bool match_version(const struct xf_node *n, const char *value)
{
    if (!n->version)
        return !strcmp(value, "none");
    if (!n->latest_version)
        return false;
    char *e1, *e2;
    double x = strtod(n->version, &e1), y = strtod(n->latest_version, &e2);
    int c = (*n->version && !*e1 && *n->latest_version && !*e2)
                ? (x > y) - (x < y)
                : strcmp(n->version, n->latest_version);
    if (!strcmp(value, "latest"))
        return c == 0;
    if (!strcmp(value, "prerelease"))
        return c > 0;
    if (!strcmp(value, "old"))
        return c < 0;
    return false;
}

static bool match(const struct sel *s, const struct atom *a, const struct xf_node *n)
{
    const struct xf_project *p = s->g->project;
    switch (a->m) {
    case M_FQN:
        return match_fqn(a, n);
    case M_TAG:
        return match_tag(n, a->value);
    case M_PATH:
        return match_path(n, a->value);
    case M_FILE:
        return match_file(n, a->value);
    case M_PACKAGE: {
        const char *pkg = n->package ? n->package : p->name;
        if (!strcmp(a->value, "this"))
            return pkg && p->name && !strcmp(pkg, p->name);
        return glob(a->value, pkg, 0);
    }
    case M_CONFIG:
        return match_config(n, a->arg, a->value);
    case M_RESOURCE_TYPE:
        return a->rtype < NRES_OURS && !strcmp(res_types[a->rtype], type_name(n->type));
    case M_TEST_TYPE:
        if (a->ttype == 2)
            return n->type == XF_RES_UNIT_TEST;
        if (n->type != XF_RES_TEST || a->ttype < 0)
            return false;
        return is_generic_test(n) == (a->ttype == 0);
    case M_TEST_NAME:
        return match_test_name(n, a->value);
    case M_SOURCE:
        return match_source(n, a->value);
    case M_ACCESS: {
        if (n->type != XF_RES_MODEL)
            return false;
        const struct xf_value *v = cfg(n, "access");
        return v ? value_is(v, a->value) : !strcmp(a->value, "protected");
    }
    case M_GROUP: {
        const struct xf_value *v = cfg(n, "group");
        char buf[256];
        return v && v->t == XF_V_STR && glob(a->value, cstr(buf, sizeof buf, v->u.s), 0);
    }
    case M_STATE: {
        const struct xf_state_marks *st = s->g->state;
        uint32_t i = xf_graph_index(s->g, n);
        if (!st || i >= s->g->n)
            return false;
        unsigned f = st->flags[i];
        bool old = f & XF_STATE_OLD;
        if (a->s_new)
            return !old;
        if (a->s_old)
            return old;
        if (a->s_unmodified)
            return old && !(f & MOD_ANY);
        /* a new node is modified in every way but .macros and .contract, as dbt */
        if (!old)
            return !(a->smask & (XF_STATE_MOD_MACROS | XF_STATE_MOD_CONTRACT)) ||
                   a->smask == MOD_ANY;
        return (f & a->smask) != 0;
    }
    case M_RESULT: {
        const struct xf_state_marks *st = s->g->state;
        uint32_t i = xf_graph_index(s->g, n);
        return st && i < s->g->n && st->result[i] && !strcmp(st->result[i], a->value);
    }
    case M_SOURCE_STATUS: {
        const struct xf_state_marks *st = s->g->state;
        uint32_t i = xf_graph_index(s->g, n);
        return st && i < s->g->n && (st->flags[i] & XF_STATE_FRESHER);
    }
    case M_VERSION:
        return match_version(n, a->value);
    case M_KIND:
        return !strcmp(xf_resource_name(n->type), a->kind) && glob(a->value, n->name, 0);
    case M_UNSUPPORTED:
        return false;
    }
    return false;
}

/* ---- graph operators ---------------------------------------------------- */

/*
 * Adds to `set` everything within `maxdepth` steps of it along parents
 * (up) or children (down). Breadth-first from every seed at once.
 */
static void expand(struct sel *s, bool *set, bool up, uint32_t maxdepth)
{
    const struct xf_graph *g = s->g;
    size_t head = 0, tail = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        if (set[i]) {
            s->queue[tail++] = i;
            s->depth[i] = 0;
        }
    }
    while (head < tail) {
        uint32_t v = s->queue[head++];
        if (s->depth[v] >= maxdepth)
            continue;
        uint32_t cnt = up ? g->nparents[v] : g->nchildren[v];
        const uint32_t *next = up ? g->parents[v] : g->children[v];
        for (uint32_t k = 0; k < cnt; k++) {
            uint32_t w = next[k];
            if (set[w])
                continue;
            set[w] = true;
            s->depth[w] = s->depth[v] + 1;
            s->queue[tail++] = w;
        }
    }
}

static void add_str_value(const struct xf_value *t, const char ***names, size_t *n, size_t *cap)
{
    if (t && t->t == XF_V_LIST) {
        for (size_t i = 0; i < t->u.l->n; i++)
            add_str_value(&t->u.l->items[i], names, n, cap);
        return;
    }
    if (!t || t->t != XF_V_STR)
        return;
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        *names = xf_realloc(*names, *cap * sizeof **names);
    }
    (*names)[(*n)++] = xf_strndup(t->u.s.p, t->u.s.len);
}

/*
 * A criterion that selects nothing: the closest enabled node name (a bare
 * name) or tag (tag:x) to suggest, as a heap string, or NULL.
 */
static const char *closest_value(const struct sel *s, const struct atom *a)
{
    const struct xf_graph *g = s->g;
    bool by_name = a->m == M_FQN && a->nparts == 1 && a->wild_from == a->nparts;
    if (!by_name && a->m != M_TAG && a->m != M_SOURCE && a->m != M_PACKAGE)
        return NULL;
    bool dotted = strchr(a->value, '.') != NULL;
    const char **names = NULL;
    size_t n = 0, cap = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        if (g->disabled[i])
            continue;
        const struct xf_node *nd = g->all[i];
        if (by_name) {
            struct xf_value v = xf_v_strc(nd->name);
            add_str_value(&v, &names, &n, &cap);
        } else if (a->m == M_PACKAGE) {
            struct xf_value v = xf_v_strc(nd->package ? nd->package : g->project->name);
            add_str_value(&v, &names, &n, &cap);
        } else if (a->m == M_SOURCE) {
            if (nd->type != XF_RES_SOURCE || !nd->source_name)
                continue;
            /* source:name or source:name.table, as the value is written */
            char buf[512];
            snprintf(buf, sizeof buf, "%s%s%s", nd->source_name, dotted ? "." : "",
                     dotted ? nd->name : "");
            struct xf_value v = xf_v_strc(buf);
            add_str_value(&v, &names, &n, &cap);
        } else {
            add_str_value(&nd->tags, &names, &n, &cap);
            add_str_value(cfg(nd, "tags"), &names, &n, &cap);
        }
    }
    const char *sugg = xf_str_suggest(xf_str_c(a->value), names, n);
    char *out = sugg ? xf_strdup(sugg) : NULL;
    for (size_t i = 0; i < n; i++)
        free((void *)names[i]);
    free(names);
    return out;
}

/* Evaluates one selector into `out`. */
static int eval_atom(struct sel *s, char *text, bool *out, bool warn)
{
    struct atom a;
    const struct xf_graph *g = s->g;
    char *raw = xf_strdup(text);
    int err = parse_atom(s, &a, raw, text);
    if (err < 0)
        goto done;
    bool any = false;
    if (a.m == M_FQN && a.wild_from > 0 && g->name_hash) {
        /* by name or by a leading fqn part: only nodes whose hashes say so */
        uint64_t hv = xf_str_hash(xf_str_c(a.value)), h0 = xf_str_hash(a.parts[0]);
        for (uint32_t i = 0; i < g->n; i++) {
            out[i] = false;
            if ((g->name_hash[i] == hv || g->fqn0_hash[i] == h0 || g->fqn1_hash[i] == h0 ||
                 g->all[i]->version) &&
                !g->disabled[i] && match(s, &a, g->all[i]))
                out[i] = any = true;
        }
    } else {
        for (uint32_t i = 0; i < g->n; i++) {
            out[i] = !g->disabled[i] && match(s, &a, g->all[i]);
            any |= out[i];
        }
    }
    if (any && (a.at || a.up || a.down)) {
        if (a.at) {
            expand(s, out, false, UNLIMITED);
            expand(s, out, true, UNLIMITED);
        } else {
            memcpy(s->base, out, g->n);
            if (a.up)
                expand(s, out, true, a.up);
            if (a.down) {
                memcpy(s->tmp, s->base, g->n);
                expand(s, s->tmp, false, a.down);
                for (uint32_t i = 0; i < g->n; i++)
                    out[i] |= s->tmp[i];
            }
        }
    }
    if (!any && warn) {
        const char *sugg = closest_value(s, &a);
        char buf[300];
        xf_diag_add(s->diags, XF_SEV_WARNING, XF_NOLOC,
                    "the selection criterion '%s' does not match any enabled nodes%s", raw,
                    suggestion_suffix(buf, sizeof buf, sugg));
        free((void *)sugg);
    }
done:
    free(raw);
    return err;
}

/* A whole selector string: union of space-separated intersections. */
static void eval_string(struct sel *s, const char *str, bool *out)
{
    const struct xf_graph *g = s->g;
    char *copy = xf_strdup(str);
    char *save = NULL;
    for (char *tok = strtok_r(copy, " \t\r\n", &save); tok;
         tok = strtok_r(NULL, " \t\r\n", &save)) {
        char *save2 = NULL;
        bool first = true;
        for (char *part = strtok_r(tok, ",", &save2); part; part = strtok_r(NULL, ",", &save2)) {
            if (eval_atom(s, part, first ? s->acc : s->one, true) < 0) {
                first = false;
                memset(s->acc, 0, g->n);
                continue;
            }
            if (!first)
                for (uint32_t i = 0; i < g->n; i++)
                    s->acc[i] &= s->one[i];
            first = false;
        }
        if (!first)
            for (uint32_t i = 0; i < g->n; i++)
                out[i] |= s->acc[i];
    }
    free(copy);
}

static void eval_list(struct sel *s, const char *const *strs, size_t n, bool *out)
{
    memset(out, 0, s->g->n);
    for (size_t i = 0; i < n; i++)
        if (strs[i])
            eval_string(s, strs[i], out);
}

static void sel_init(struct sel *s, const struct xf_graph *g, struct xf_diags *diags)
{
    size_t n = g->n + 1;
    memset(s, 0, sizeof *s);
    s->g = g;
    s->diags = diags;
    s->acc = xf_calloc(n, 1);
    s->one = xf_calloc(n, 1);
    s->base = xf_calloc(n, 1);
    s->tmp = xf_calloc(n, 1);
    s->queue = xf_malloc(n * sizeof *s->queue);
    s->depth = xf_malloc(n * sizeof *s->depth);
}

static void sel_release(struct sel *s)
{
    free(s->acc);
    free(s->one);
    free(s->base);
    free(s->tmp);
    free(s->queue);
    free(s->depth);
}

static void add_tests(struct sel *s, bool *set, enum xf_indirect mode)
{
    const struct xf_graph *g = s->g;
    if (mode == XF_INDIRECT_EMPTY)
        return;
    const bool *ok = set;
    if (mode == XF_INDIRECT_BUILDABLE) {
        memcpy(s->tmp, set, g->n);
        expand(s, s->tmp, true, UNLIMITED);
        ok = s->tmp;
    }
    /* decide on the set as it was, then add (a test is nobody's parent anyway) */
    memset(s->base, 0, g->n);
    for (uint32_t i = 0; i < g->n; i++) {
        const struct xf_node *n = g->all[i];
        if ((n->type != XF_RES_TEST && n->type != XF_RES_UNIT_TEST) || g->disabled[i] || set[i] ||
            !g->nparents[i])
            continue;
        bool any = false, all = true;
        for (uint32_t k = 0; k < g->nparents[i]; k++) {
            uint32_t p = g->parents[i][k];
            any |= set[p];
            all &= ok[p];
        }
        /* candidates touch the selection; the stricter modes also need all parents */
        s->base[i] = any && (mode == XF_INDIRECT_EAGER || all);
    }
    for (uint32_t i = 0; i < g->n; i++)
        set[i] |= s->base[i];
}

void xf_graph_add_tests_mode(const struct xf_graph *g, bool *selected, enum xf_indirect mode)
{
    struct sel s;
    sel_init(&s, g, NULL);
    add_tests(&s, selected, mode);
    sel_release(&s);
}

void xf_graph_add_tests(const struct xf_graph *g, bool *selected)
{
    xf_graph_add_tests_mode(g, selected, XF_INDIRECT_EAGER);
}

static int select_impl(const struct xf_graph *g, const char *const *select, size_t nselect,
                       const char *const *exclude, size_t nexclude, bool indirect,
                       enum xf_indirect mode, bool *out, struct xf_diags *diags)
{
    struct sel s;
    sel_init(&s, g, diags);
    bool *exc = xf_calloc(g->n + 1, 1);
    if (nselect == 0) {
        for (uint32_t i = 0; i < g->n; i++)
            out[i] = !g->disabled[i];
    } else {
        eval_list(&s, select, nselect, out);
        if (indirect)
            add_tests(&s, out, mode);
    }
    if (nexclude) {
        eval_list(&s, exclude, nexclude, exc);
        if (indirect)
            add_tests(&s, exc, mode);
        for (uint32_t i = 0; i < g->n; i++)
            out[i] &= !exc[i];
    }
    int err = s.errors ? -1 : 0;
    if (err)
        memset(out, 0, g->n);
    free(exc);
    sel_release(&s);
    return err;
}

int xf_graph_select(const struct xf_graph *g, const char *const *select, size_t nselect,
                    const char *const *exclude, size_t nexclude, bool *out, struct xf_diags *diags)
{
    return select_impl(g, select, nselect, exclude, nexclude, false, XF_INDIRECT_EMPTY, out, diags);
}

int xf_graph_select_tests(const struct xf_graph *g, const char *const *select, size_t nselect,
                          const char *const *exclude, size_t nexclude, enum xf_indirect mode,
                          bool *out, struct xf_diags *diags)
{
    return select_impl(g, select, nselect, exclude, nexclude, true, mode, out, diags);
}

int xf_graph_check_selector(const char *text, struct xf_diags *diags)
{
    struct sel s;
    memset(&s, 0, sizeof s);
    s.diags = diags;
    struct atom a;
    char *raw = xf_strdup(text), *copy = xf_strdup(text);
    int err = parse_atom(&s, &a, raw, copy);
    free(copy);
    free(raw);
    return err;
}
