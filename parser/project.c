// SPDX-License-Identifier: MIT
/*
 * The project loader's entry point and the project file: reads
 * xform_project.yml (or dbt_project.yml) and --vars, has config.c build
 * the config trees, then hands over to profile.c for the target and
 * discover.c for the files.
 */
#include "parser/project.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>

#include "parser/features.h"
#include "parser/loader.h"
#include "util/path.h"

/* ---- project file ---- */

static int str_list(struct xf_loader *l, const struct xf_ynode *n, const char *key,
                    struct xf_value *out, const char *const *def, size_t ndef)
{
    struct xf_value v = xf_v_list(l->a, 4);
    if (!n) {
        for (size_t i = 0; i < ndef; i++)
            xf_list_push(l->a, v.u.l, xf_v_strc(def[i]));
    } else if (n->kind == XF_Y_SCALAR && !n->quoted && xf_ynode_value(l->a, n).t == XF_V_NONE) {
        /* `key:` with nothing: an empty list */
    } else if (n->kind == XF_Y_SCALAR) {
        xf_list_push(l->a, v.u.l, xf_v_str(n->str));
    } else if (n->kind == XF_Y_SEQ) {
        for (size_t i = 0; i < n->n; i++) {
            const struct xf_ynode *it = n->items[i];
            if (it->kind != XF_Y_SCALAR)
                return xf_error(l->diags, it->loc, "'%s' must be a list of strings", key);
            xf_list_push(l->a, v.u.l, xf_v_str(it->str));
        }
    } else {
        return xf_error(l->diags, n->loc, "'%s' must be a list of strings", key);
    }
    *out = v;
    return 0;
}

static bool valid_name(struct xf_str s)
{
    if (!s.len || (s.p[0] >= '0' && s.p[0] <= '9'))
        return false;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

static int parse_vars(struct xf_loader *l)
{
    l->cli_vars = xf_v_dict(l->a, 4);
    const char *text = l->opts->vars;
    if (!text || !*xf_str_trim(xf_str_c(text)).p)
        return 0;
    struct xf_source *src = XF_ANEW(l->a, struct xf_source);
    src->path = "--vars";
    src->text = xf_arena_strdup(l->a, text);
    src->len = strlen(text);
    struct xf_ynode *n;
    if (xf_yaml_parse(&n, l->a, src, l->diags) < 0)
        return -1;
    if (n->kind != XF_Y_MAP) {
        struct xf_diag *g =
            xf_diag_add(l->diags, XF_SEV_ERROR, n->loc, "--vars must be a YAML or JSON mapping");
        xf_diag_hint(g, "pass key: value pairs, e.g. --vars '{\"start_date\": \"2024-01-01\"}'");
        return -1;
    }
    l->cli_vars = xf_ynode_value(l->a, n);
    return 0;
}

/* Adds `all`'s entries to dst: the unscoped ones, then those scoped to `name`. */
static void add_vars(struct xf_loader *l, struct xf_dict *dst, const struct xf_value *all,
                     const char *name)
{
    if (all->t != XF_V_DICT)
        return;
    const struct xf_value *scoped = NULL;
    for (size_t i = 0; i < all->u.d->n; i++) {
        struct xf_dict_ent *e = &all->u.d->ents[i];
        if (xf_str_eqc(e->key, name) && e->val.t == XF_V_DICT)
            scoped = &e->val;
        else
            xf_dict_set(l->a, dst, e->key, e->val);
    }
    if (scoped)
        for (size_t i = 0; i < scoped->u.d->n; i++)
            xf_dict_set(l->a, dst, scoped->u.d->ents[i].key, scoped->u.d->ents[i].val);
}

/*
 * What var() sees in a unit's nodes: its project file's globals, then
 * those scoped to it; for a package the root project's globals and those
 * it scopes to the package come next (the root project wins, as in dbt);
 * --vars last.
 */
static int project_vars(struct xf_loader *l, const struct xf_unit *u, const struct xf_ynode *n,
                        struct xf_value *out)
{
    *out = xf_v_dict(l->a, 8);
    struct xf_value own = xf_v_dict(l->a, 0);
    if (n && !(n->kind == XF_Y_SCALAR && !n->quoted && xf_ynode_value(l->a, n).t == XF_V_NONE)) {
        if (n->kind != XF_Y_MAP)
            return xf_error(l->diags, n->loc, "'vars' must be a mapping of names to values");
        own = xf_ynode_value(l->a, n);
    }
    add_vars(l, out->u.d, &own, u->name);
    if (u == l->root)
        l->root_vars = own;
    else
        add_vars(l, out->u.d, &l->root_vars, u->name);
    for (size_t i = 0; i < l->cli_vars.u.d->n; i++)
        xf_dict_set(l->a, out->u.d, l->cli_vars.u.d->ents[i].key, l->cli_vars.u.d->ents[i].val);
    return 0;
}

/* ---- the project file ---- */

/* `flags:` holding only partial_parse, which the partial-parse cache reads
 * (cmd/partial_parse.c): no "not yet" warning for it. */
static bool flags_acted_on(const struct xf_ynode *v)
{
    if (!v || v->kind != XF_Y_MAP || !v->n)
        return false;
    for (size_t i = 0; i < v->n; i++)
        if (v->keys[i]->kind != XF_Y_SCALAR || !xf_str_eqc(v->keys[i]->str, "partial_parse"))
            return false;
    return true;
}

/* The unit's project file: xform_project.yml wins over dbt_project.yml. */
static bool project_file_in(struct xf_loader *l, const char *dir, const char **name,
                            const char **full)
{
    static const char *const names[] = {"xform_project.yml", "dbt_project.yml"};
    for (size_t i = 0; i < 2; i++) {
        const char *f = xf_path_join(l->a, dir, names[i]);
        if (xf_is_file(f)) {
            *name = names[i];
            *full = f;
            return true;
        }
    }
    return false;
}

/* ---- require-dbt-version ---- */

/* The dbt version whose behaviour xform follows, for require-dbt-version. */
#define XF_DBT_COMPAT "1.10.0"

static void parse_version(const char *s, int v[3])
{
    v[0] = v[1] = v[2] = 0;
    for (int i = 0; i < 3 && *s; i++) {
        v[i] = (int)strtol(s, (char **)&s, 10);
        if (*s != '.')
            break;
        s++;
    }
}

static int cmp_version(const int a[3], const int b[3])
{
    for (int i = 0; i < 3; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

/* Does XF_DBT_COMPAT satisfy one constraint (">=1.3.0", "<2", "1.5.0")? */
static bool version_ok(struct xf_str c)
{
    c = xf_str_trim(c);
    char op[3] = {0};
    size_t k = 0;
    while (k < c.len && k < 2 && strchr("<>=!", c.p[k])) {
        op[k] = c.p[k];
        k++;
    }
    char buf[64];
    size_t n = c.len - k < sizeof buf - 1 ? c.len - k : sizeof buf - 1;
    memcpy(buf, c.p + k, n);
    buf[n] = 0;
    int want[3], have[3];
    parse_version(xf_str_trim(xf_str_c(buf)).p, want);
    parse_version(XF_DBT_COMPAT, have);
    int r = cmp_version(have, want);
    if (!strcmp(op, ">="))
        return r >= 0;
    if (!strcmp(op, "<="))
        return r <= 0;
    if (!strcmp(op, ">"))
        return r > 0;
    if (!strcmp(op, "<"))
        return r < 0;
    if (!strcmp(op, "!="))
        return r != 0;
    return r == 0;
}

static void check_dbt_version(struct xf_loader *l, const struct xf_unit *u,
                              const struct xf_ynode *n)
{
    if (!n)
        return;
    const struct xf_ynode *bad = NULL;
    if (n->kind == XF_Y_SCALAR) {
        if (!version_ok(n->str))
            bad = n;
    } else if (n->kind == XF_Y_SEQ) {
        for (size_t i = 0; i < n->n && !bad; i++)
            if (n->items[i]->kind == XF_Y_SCALAR && !version_ok(n->items[i]->str))
                bad = n->items[i];
    }
    if (!bad)
        return;
    struct xf_diag *g = xf_diag_add(
        l->diags, XF_SEV_WARNING, bad->loc,
        "%s '%s' requires dbt version '" XF_STR_FMT "'; xform follows dbt " XF_DBT_COMPAT,
        u == l->root ? "project" : "package", u->name, XF_STR_ARG(bad->str));
    xf_diag_hint(g, "xform goes on; check the %s's release notes if something fails",
                 u == l->root ? "project" : "package");
}

/*
 * Reads a unit's project file into `f` (for the root project also the
 * keys only it sets, straight into l->p). Returns 0 or -1.
 */
static int read_project(struct xf_loader *l, struct xf_unit *u, struct xf_package *f,
                        const struct xf_ynode **profile_key)
{
    struct xf_project *p = l->p;
    bool is_root = u == l->root;
    const char *fname, *full;
    if (!project_file_in(l, u->root, &fname, &full)) {
        if (is_root) {
            struct xf_diag *g =
                xf_diag_add(l->diags, XF_SEV_ERROR, XF_NOLOC,
                            "no xform_project.yml or dbt_project.yml in '%s'", u->root);
            xf_diag_hint(g, "run 'xform init' to create a project, or pass --project-dir");
        }
        return -1;
    }
    const char *display = xf_loader_cat(l->a, u->dir, "", fname);
    const struct xf_source *src = xf_loader_read(l, display, full, XF_NOLOC);
    if (!src)
        return -1;
    f->project_file = src;
    struct xf_ynode *root;
    if (xf_yaml_parse(&root, l->a, src, l->diags) < 0)
        return -1;
    if (root->kind != XF_Y_MAP)
        return xf_error(l->diags, root->loc, "%s must be a mapping of keys to values", display);
    if (is_root) {
        /*
         * The target first (it needs only the name and the profile), so that
         * the project file can use it, as dbt renders it: vendor packages and
         * projects write `+enabled: "{{ target.type != 'x' }}"`.
         */
        const struct xf_ynode *nm = xf_ynode_get(root, "name");
        if (nm && nm->kind == XF_Y_SCALAR)
            p->name = nm->str.p;
        if ((*profile_key = xf_ynode_get(root, "profile")) &&
            xf_loader_want_str(l, *profile_key, "profile", &p->profile) < 0)
            return -1;
        if (xf_loader_target(l, *profile_key) < 0)
            return -1;
        p->target.loaded = true;
    }
    if (xf_loader_render_tree(l, root, true) < 0)
        return -1;
    f->raw = xf_ynode_value(l->a, root);

    size_t nkeys;
    const char *const *keys = xf_feature_names(XF_FEAT_PROJECT_KEY, &nkeys);
    for (size_t i = 0; i < root->n; i++) {
        const struct xf_ynode *k = root->keys[i];
        if (k->kind != XF_Y_SCALAR)
            continue;
        if (!xf_feature_find(XF_FEAT_PROJECT_KEY, k->str))
            xf_loader_unknown_key(l, k, display, keys, nkeys);
        else if (!flags_acted_on(root->items[i]))
            xf_feature_warn(l->diags, XF_FEAT_PROJECT_KEY, k->str, NULL, k->loc);
    }

    const struct xf_ynode *n = xf_ynode_get(root, "name");
    if (!n) {
        struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, (struct xf_loc){src, 0, 0},
                                        "%s has no 'name'", display);
        xf_diag_hint(g, "add a line like: name: my_project");
        return -1;
    }
    if (xf_loader_want_str(l, n, "name", &f->name) < 0)
        return -1;
    if (!valid_name(n->str)) {
        struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, n->loc, "invalid %s name '%s'",
                                        is_root ? "project" : "package", f->name);
        xf_diag_hint(g, "use letters, digits and underscores, starting with a letter");
        return -1;
    }
    u->name = f->name;
    int err = 0;
    if ((n = xf_ynode_get(root, "version")))
        f->version = n->kind == XF_Y_SCALAR ? n->str.p : NULL;
    check_dbt_version(l, u, xf_ynode_get(root, "require-dbt-version"));
    static const char *const d_models[] = {"models"}, *const d_seeds[] = {"seeds"},
                             *const d_tests[] = {"tests"}, *const d_macros[] = {"macros"},
                             *const d_snaps[] = {"snapshots"}, *const d_an[] = {"analyses"},
                             *const d_clean[] = {"target"};
    const struct xf_ynode *mp = xf_ynode_get(root, "model-paths");
    if (!mp)
        mp = xf_ynode_get(root, "source-paths");
    const struct xf_ynode *sp = xf_ynode_get(root, "seed-paths");
    if (!sp)
        sp = xf_ynode_get(root, "data-paths");
    err |= str_list(l, mp, "model-paths", &f->model_paths, d_models, 1);
    err |= str_list(l, sp, "seed-paths", &f->seed_paths, d_seeds, 1);
    err |= str_list(l, xf_ynode_get(root, "test-paths"), "test-paths", &f->test_paths, d_tests, 1);
    err |=
        str_list(l, xf_ynode_get(root, "macro-paths"), "macro-paths", &f->macro_paths, d_macros, 1);
    err |= str_list(l, xf_ynode_get(root, "snapshot-paths"), "snapshot-paths", &f->snapshot_paths,
                    d_snaps, 1);
    err |= str_list(l, xf_ynode_get(root, "analysis-paths"), "analysis-paths", &f->analysis_paths,
                    d_an, 1);
    if (err)
        return -1;
    const struct xf_ynode *dp = xf_ynode_get(root, "docs-paths");
    if (dp) {
        if (str_list(l, dp, "docs-paths", &f->docs_paths, NULL, 0) < 0)
            return -1;
    } else {
        f->docs_paths = xf_v_list(l->a, 8);
        const struct xf_value *all[] = {&f->model_paths, &f->seed_paths,     &f->test_paths,
                                        &f->macro_paths, &f->snapshot_paths, &f->analysis_paths};
        for (size_t i = 0; i < 6; i++)
            for (size_t j = 0; j < all[i]->u.l->n; j++) {
                bool dup = false;
                for (size_t q = 0; q < f->docs_paths.u.l->n && !dup; q++)
                    dup = xf_value_equal(&f->docs_paths.u.l->items[q], &all[i]->u.l->items[j]);
                if (!dup)
                    xf_list_push(l->a, f->docs_paths.u.l, all[i]->u.l->items[j]);
            }
    }
    if (project_vars(l, u, xf_ynode_get(root, "vars"), &f->vars) < 0)
        return -1;

    static const char *const hooks[] = {"on-run-start", "on-run-end"};
    if (is_root) {
        err |= str_list(l, xf_ynode_get(root, "clean-targets"), "clean-targets", &p->clean_targets,
                        d_clean, 1);
        if (err)
            return -1;
        p->target_path = "target";
        if ((n = xf_ynode_get(root, "target-path")) &&
            xf_loader_want_str(l, n, "target-path", &p->target_path) < 0)
            return -1;
        if (l->opts->target_path)
            p->target_path = l->opts->target_path; /* --target-path and its environment variables */
        if ((n = xf_ynode_get(root, "log-path")) &&
            xf_loader_want_str(l, n, "log-path", &p->log_path) < 0)
            return -1;
        p->packages_install_path = "dbt_packages";
        if ((n = xf_ynode_get(root, "packages-install-path")) &&
            xf_loader_want_str(l, n, "packages-install-path", &p->packages_install_path) < 0)
            return -1;
        struct xf_value *hv[] = {&p->on_run_start, &p->on_run_end};
        for (size_t i = 0; i < 2; i++) {
            if (str_list(l, xf_ynode_get(root, hooks[i]), hooks[i], hv[i], NULL, 0) < 0)
                return -1;
        }
        if (xf_loader_query_comment(l, xf_ynode_get(root, "query-comment")) < 0)
            return -1;
        p->dispatch = xf_v_list(l->a, 0);
        if ((n = xf_ynode_get(root, "dispatch"))) {
            if (n->kind != XF_Y_SEQ)
                return xf_error(l->diags, n->loc,
                                "'dispatch' must be a list of {macro_namespace, search_order}");
            p->dispatch = xf_ynode_value(l->a, n);
        }
    } else {
        /* a package's hooks run too, before the root project's (engine/run.c) */
        struct xf_value *hv[] = {&f->on_run_start, &f->on_run_end};
        for (size_t i = 0; i < 2; i++) {
            if (str_list(l, xf_ynode_get(root, hooks[i]), hooks[i], hv[i], NULL, 0) < 0)
                return -1;
        }
    }

    if (xf_loader_config_trees(l, root, &f->config_trees) < 0)
        return -1;
    return 0;
}

static void unit_init(struct xf_loader *l, struct xf_unit *u, struct xf_package *f,
                      const char *root, const char *dir)
{
    (void)l;
    u->root = root;
    u->dir = dir;
    for (int i = 0; i < 6; i++)
        xf_map_init(&u->names[i]);
    xf_map_init(&u->macro_names);
    xf_map_init(&u->doc_names);
    xf_map_init(&u->source_names);
    struct xf_value *paths[] = {&f->model_paths, &f->seed_paths,     &f->test_paths,
                                &f->macro_paths, &f->snapshot_paths, &f->analysis_paths,
                                &f->docs_paths};
    for (int i = 0; i < 7; i++) {
        *paths[i] = xf_v_list(l->a, 0);
        u->paths[i] = paths[i];
    }
    f->vars = f->config_trees = f->raw = xf_v_dict(l->a, 0);
}

static void unit_release(struct xf_unit *u)
{
    for (int i = 0; i < 6; i++)
        xf_map_release(&u->names[i]);
    xf_map_release(&u->macro_names);
    xf_map_release(&u->doc_names);
    xf_map_release(&u->source_names);
}

static void unit_prefixes(struct xf_loader *l, struct xf_unit *u)
{
    for (int t = 0; t < 6; t++)
        u->uid_prefix[t] = xf_loader_cat(l->a, xf_resource_name((enum xf_resource)t), ".", u->name);
    u->uid_prefix_macro = xf_loader_cat(l->a, "macro", ".", u->name);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Loads every package installed under packages-install-path: each folder
 * with a project file is a project of its own (its nodes, macros, docs,
 * config trees and vars), in folder-name order. Units are appended to
 * `units` (released by the caller).
 */
static int load_packages(struct xf_loader *l, struct xf_unit ***units, size_t *nunits)
{
    struct xf_project *p = l->p;
    const char *base = xf_path_join(l->a, p->root, p->packages_install_path);
    DIR *d = opendir(base);
    if (!d)
        return 0; /* nothing installed */
    XF_VEC(char *) names = {0};
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        xf_vec_push(&names, xf_arena_strdup(l->a, e->d_name));
    }
    closedir(d);
    if (names.n)
        qsort(names.v, names.n, sizeof *names.v, cmp_str);
    int err = 0;
    for (size_t i = 0; i < names.n; i++) {
        const char *root = xf_path_join(l->a, base, names.v[i]);
        if (!xf_is_dir(root))
            continue;
        const char *fname, *full;
        const char *dir = xf_arena_printf(l->a, "%s/%s/", p->packages_install_path, names.v[i]);
        if (!project_file_in(l, root, &fname, &full)) {
            struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, XF_NOLOC,
                                            "package folder '%s' has no dbt_project.yml", dir);
            xf_diag_hint(g, "run 'xform deps' to reinstall the packages, or remove the folder");
            err = -1;
            continue;
        }
        struct xf_package *pkg = XF_ANEW(l->a, struct xf_package);
        struct xf_unit *u = xf_calloc(1, sizeof *u);
        *units = xf_realloc(*units, (*nunits + 1) * sizeof **units);
        (*units)[(*nunits)++] = u;
        unit_init(l, u, pkg, root, dir);
        u->pkg = pkg;
        pkg->root = root;
        pkg->dir = xf_arena_strndup(l->a, dir, strlen(dir) - 1);
        l->u = u;
        if (read_project(l, u, pkg, NULL) < 0) {
            err = -1;
            continue;
        }
        pkg->name = u->name;
        const struct xf_package *other = xf_project_package(p, u->name);
        if (other || !strcmp(u->name, p->name)) {
            struct xf_diag *g =
                xf_diag_add(l->diags, XF_SEV_ERROR, (struct xf_loc){pkg->project_file, 0, 0},
                            "package '%s' in '%s' has the same name as %s", u->name, pkg->dir,
                            other ? xf_arena_printf(l->a, "the package in '%s'", other->dir)
                                  : "the root project");
            xf_diag_hint(g, "two projects cannot share a name: remove one from packages.yml and "
                            "run 'xform deps'");
            err = -1;
            continue;
        }
        xf_avec_push(l->a, &p->packages, pkg);
        unit_prefixes(l, u);
        xf_loader_discover(l);
    }
    xf_vec_release(&names);
    l->u = l->root;
    return err;
}

/*
 * packages.yml (or dependencies.yml) lists packages that `xform deps`
 * installs; with fewer installed than listed, macros and refs into them
 * would fail one by one, so say it once, as dbt does.
 */
static int check_installed(struct xf_loader *l)
{
    struct xf_project *p = l->p;
    static const char *const files[] = {"packages.yml", "dependencies.yml"};
    for (size_t i = 0; i < 2; i++) {
        const char *full = xf_path_join(l->a, p->root, files[i]);
        if (!xf_is_file(full))
            continue;
        const struct xf_source *src = xf_loader_read(l, files[i], full, XF_NOLOC);
        if (!src)
            return -1;
        struct xf_ynode *root;
        if (xf_yaml_parse(&root, l->a, src, l->diags) < 0)
            return -1;
        const struct xf_ynode *list =
            root->kind == XF_Y_MAP ? xf_ynode_get(root, "packages") : NULL;
        size_t want = list && list->kind == XF_Y_SEQ ? list->n : 0;
        if (want > p->packages.n) {
            /* clean and debug need no package (dbt runs them before deps too) */
            const char *cmd = l->opts->command;
            bool mild = cmd && (!strcmp(cmd, "clean") || !strcmp(cmd, "debug"));
            struct xf_diag *g =
                xf_diag_add(l->diags, mild ? XF_SEV_WARNING : XF_SEV_ERROR, list->loc,
                            "%s lists %zu package%s but %zu %s installed in '%s'", files[i], want,
                            want == 1 ? "" : "s", p->packages.n, p->packages.n == 1 ? "is" : "are",
                            p->packages_install_path);
            xf_diag_hint(g, "run 'xform deps' to install them");
            return mild ? 0 : -1;
        }
        return 0;
    }
    return 0;
}

/* Project files xform does not act on yet (packages.yml ...): one warning each. */
static void warn_files(struct xf_loader *l)
{
    size_t n;
    const char *const *files = xf_feature_names(XF_FEAT_FILE, &n);
    for (size_t i = 0; i < n; i++) {
        const char *full = xf_loader_join_path(l->a, l->p->root, files[i]);
        if (!xf_is_file(full))
            continue;
        /* read for the warning's source line only: not a project file */
        struct xf_buf text = XF_BUF_INIT;
        if (xf_read_file(&text, full) < 0) {
            xf_buf_release(&text);
            continue;
        }
        struct xf_source *src = XF_ANEW(l->a, struct xf_source);
        src->path = files[i];
        src->len = text.len;
        src->text = xf_arena_strndup(l->a, text.ptr, text.len);
        xf_buf_release(&text);
        xf_feature_warn(l->diags, XF_FEAT_FILE, xf_str_c(files[i]), NULL,
                        (struct xf_loc){src, 0, 0});
    }
}

int xf_project_load(struct xf_project **out, const struct xf_load_opts *opts,
                    struct xf_diags *diags)
{
    struct xf_project *p = xf_calloc(1, sizeof *p);
    xf_arena_init(&p->arena);
    xf_map_init(&p->by_unique_id);
    *out = p;

    struct xf_loader L = {0}, *l = &L;
    l->p = p;
    l->a = &p->arena;
    l->opts = opts;
    l->diags = diags;
    xf_map_init(&l->listings);
    xf_map_init(&l->folder_cache);
    xf_buf_init(&l->scratch, 256);
    struct xf_unit root_unit = {0};
    struct xf_unit **units = NULL;
    size_t nunits = 0;

    size_t errors_before = diags->nerrors;
    const char *root = opts && opts->project_dir && *opts->project_dir ? opts->project_dir : ".";
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/')
        rl--;
    p->root = xf_arena_strndup(l->a, root, rl);
    p->clean_targets = p->on_run_start = p->on_run_end = p->dispatch = xf_v_list(l->a, 0);
    p->vars = p->config_trees = p->raw = xf_v_dict(l->a, 0);
    p->target.settings = xf_v_dict(l->a, 0);
    p->packages_install_path = "dbt_packages";

    /* The root project's own record: its fields are copied onto p. */
    struct xf_package self = {0};
    l->root = l->u = &root_unit;
    unit_init(l, &root_unit, &self, p->root, "");

    static const struct xf_load_opts no_opts = {0};
    if (!opts)
        l->opts = opts = &no_opts;

    const struct xf_ynode *profile_key = NULL;
    int err = 0;
    if ((err = parse_vars(l)) < 0)
        goto done;
    err = read_project(l, &root_unit, &self, &profile_key);
    p->name = self.name;
    p->version = self.version;
    p->project_file = self.project_file;
    p->model_paths = self.model_paths;
    p->seed_paths = self.seed_paths;
    p->test_paths = self.test_paths;
    p->macro_paths = self.macro_paths;
    p->snapshot_paths = self.snapshot_paths;
    p->analysis_paths = self.analysis_paths;
    p->docs_paths = self.docs_paths;
    p->vars = self.vars;
    p->config_trees = self.config_trees;
    p->raw = self.raw;
    for (int i = 0; i < 7; i++) /* the unit's paths point at p's from now on */
        root_unit.paths[i] = (const struct xf_value *[]){
            &p->model_paths,    &p->seed_paths,     &p->test_paths, &p->macro_paths,
            &p->snapshot_paths, &p->analysis_paths, &p->docs_paths}[i];
    if (err < 0)
        goto done;
    unit_prefixes(l, &root_unit);
    warn_files(l);

    xf_loader_discover(l);
    if (load_packages(l, &units, &nunits) < 0 || check_installed(l) < 0) {
        err = -1;
        goto done;
    }
    for (size_t i = 0; i < p->nodes.n; i++)
        xf_loader_sync_node(l, p->nodes.v[i]);
    for (size_t i = 0; i < p->sources.n; i++)
        xf_loader_sync_node(l, p->sources.v[i]);
    if (diags->nerrors == errors_before)
        xf_loader_config_warn_unused(l);
    err = diags->nerrors > errors_before ? -1 : 0;

done:
    unit_release(&root_unit);
    for (size_t i = 0; i < nunits; i++) {
        unit_release(units[i]);
        free(units[i]);
    }
    free(units);
    xf_map_release(&l->listings);
    xf_map_release(&l->folder_cache);
    xf_buf_release(&l->scratch);
    return err;
}

void xf_project_free(struct xf_project *p)
{
    if (!p)
        return;
    if (p->has_unrendered)
        xf_map_release(&p->unrendered);
    xf_map_release(&p->by_unique_id);
    for (size_t i = 0; i < p->nworker_arenas; i++)
        xf_arena_release(&p->worker_arenas[i]);
    free(p->worker_arenas);
    xf_arena_release(&p->arena);
    free(p);
}

const struct xf_package *xf_project_package(const struct xf_project *p, const char *name)
{
    for (size_t i = 0; name && i < p->packages.n; i++)
        if (!strcmp(p->packages.v[i]->name, name))
            return p->packages.v[i];
    return NULL;
}

const struct xf_value *xf_project_vars(const struct xf_project *p, const char *package)
{
    const struct xf_package *pkg = xf_project_package(p, package);
    return pkg ? &pkg->vars : &p->vars;
}

struct xf_node *xf_project_find(const struct xf_project *p, const char *unique_id)
{
    return xf_map_getc(&p->by_unique_id, unique_id);
}
