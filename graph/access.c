// SPDX-License-Identifier: MIT
/*
 * dbt's model access rules, checked once every ref() is resolved (a
 * config() call may set a node's group or access, so the parser cannot):
 * a node's group must be defined; a private model may be referenced only
 * from its own group, a protected one only from its own package when that
 * package says `restrict-access: true`; a ref to a model past its
 * deprecation_date is a warning. Each
 * broken rule is a located error at the ref, before anything runs.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph/graph.h"
#include "util/str.h"
#include "util/vec.h"

static const char *const access_values[] = {"private", "protected", "public"};

/* Where a node's group or access was given: the YAML value, else its entry, else its file. */
static struct xf_loc where(const struct xf_node *n, struct xf_loc given)
{
    if (given.src)
        return given;
    if (n->props_loc.src)
        return n->props_loc;
    return (struct xf_loc){n->src, 0, 0};
}

static const char *access_of(const struct xf_node *n)
{
    return xf_node_config_str(n, "access", "protected");
}

static int check_node(const struct xf_project *p, const struct xf_node *n, struct xf_diags *diags)
{
    int err = 0;
    const char *group = xf_node_config_str(n, "group", NULL);
    if (group) {
        bool found = false;
        XF_VEC(const char *) names = {0};
        for (size_t i = 0; i < p->groups.n && !found; i++) {
            found = !strcmp(p->groups.v[i]->name, group);
            xf_vec_push(&names, p->groups.v[i]->name);
        }
        if (!found) {
            const char *s = xf_str_suggest(xf_str_c(group), names.v, names.n);
            struct xf_diag *g = xf_diag_add(
                diags, XF_SEV_ERROR, where(n, n->group_loc),
                "%s '%s' is in group '%s', which is not defined%s%s%s", xf_resource_name(n->type),
                n->name, group, s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
            xf_diag_hint(g,
                         "define it in a properties file: 'groups: [{name: %s, owner: {name: "
                         "...}}]'",
                         group);
            err = -1;
        }
        xf_vec_release(&names);
    }
    const char *access = access_of(n);
    bool ok = false;
    for (size_t i = 0; i < 3; i++)
        ok = ok || !strcmp(access, access_values[i]);
    if (!ok) {
        const char *s = xf_str_suggest(xf_str_c(access), access_values, 3);
        struct xf_diag *g =
            xf_diag_add(diags, XF_SEV_ERROR, where(n, n->access_loc),
                        "unknown access '%s' for %s '%s'%s%s%s", access, xf_resource_name(n->type),
                        n->name, s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
        xf_diag_hint(g, "use private, protected or public");
        err = -1;
    }
    return err;
}

/*
 * Whether a package's protected models are closed to other packages: its
 * project file says `restrict-access: true` (dbt's rule; without it an
 * installed package's protected models are open to the project using it).
 */
static bool restricts(const struct xf_project *p, const char *package)
{
    const struct xf_package *pkg = xf_project_package(p, package);
    const struct xf_value *raw = pkg ? &pkg->raw : &p->raw;
    if (raw->t != XF_V_DICT)
        return false;
    const struct xf_value *v = xf_dict_getc(raw->u.d, "restrict-access");
    return v && xf_value_truthy(v);
}

/* Whether a deprecation_date ("2024-06-01", maybe with a time) is before today (UTC). */
static bool past(const char *date)
{
    char today[16];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    return strncmp(date, today, 10) < 0;
}

static int check_refs(const struct xf_project *p, const struct xf_node *n, struct xf_diags *diags)
{
    /* data tests of a model test it wherever they are declared, as in dbt */
    if (n->type == XF_RES_TEST)
        return 0;
    int err = 0;
    const char *group = xf_node_config_str(n, "group", NULL);
    for (size_t k = 0; k < n->refs.n; k++) {
        const struct xf_dep *d = &n->refs.v[k];
        const struct xf_node *t = d->node;
        if (!t || t->type != XF_RES_MODEL || t == n)
            continue;
        if (t->deprecation_date && past(t->deprecation_date)) {
            struct xf_diag *g =
                xf_diag_add(diags, XF_SEV_WARNING, d->loc,
                            "%s '%s' refers to %s%s%s, which was deprecated on '%s'",
                            xf_resource_name(n->type), n->name, t->name, t->version ? ".v" : "",
                            t->version ? t->version : "", t->deprecation_date);
            if (t->version && t->latest_version && strcmp(t->version, t->latest_version))
                xf_diag_hint(g, "a newer version of '%s' is available: ref('%s', v=%s)", t->name,
                             t->name, t->latest_version);
            else
                xf_diag_hint(g, "migrate away from '%s' before it is removed", t->name);
        }
        const char *access = access_of(t);
        const char *tgroup = xf_node_config_str(t, "group", NULL);
        if (!strcmp(access, "private") && (!group || !tgroup || strcmp(group, tgroup))) {
            struct xf_diag *g = xf_diag_add(
                diags, XF_SEV_ERROR, d->loc,
                "%s '%s' refers to private model '%s'%s%s%s, which only its group may reference",
                xf_resource_name(n->type), n->name, t->name, tgroup ? " of group '" : "",
                tgroup ? tgroup : "", tgroup ? "'" : "");
            if (tgroup)
                xf_diag_hint(g,
                             "put '%s' in group '%s' (config 'group'), or make '%s' "
                             "protected or public",
                             n->name, tgroup, t->name);
            else
                xf_diag_hint(g, "make '%s' protected or public", t->name);
            err = -1;
        } else if (!strcmp(access, "protected") && n->package && t->package &&
                   strcmp(n->package, t->package) && restricts(p, t->package)) {
            struct xf_diag *g = xf_diag_add(
                diags, XF_SEV_ERROR, d->loc,
                "%s '%s' of package '%s' refers to protected model '%s' of package '%s', which "
                "only its own package may reference",
                xf_resource_name(n->type), n->name, n->package, t->name, t->package);
            xf_diag_hint(g,
                         "make '%s' public (access: public), or drop 'restrict-access' from "
                         "package '%s'",
                         t->name, t->package);
            err = -1;
        }
    }
    return err;
}

int xf_graph_check_access(const struct xf_graph *g, const struct xf_project *p,
                          struct xf_diags *diags)
{
    (void)g;
    int err = 0;
    for (size_t i = 0; i < p->nodes.n; i++) {
        const struct xf_node *n = p->nodes.v[i];
        if (!xf_node_config_bool(n, "enabled", true))
            continue;
        if (n->type != XF_RES_TEST)
            err |= check_node(p, n, diags);
        err |= check_refs(p, n, diags);
    }
    return err ? -1 : 0;
}
