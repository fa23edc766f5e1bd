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

/* Project vars: globals, then those scoped to this project, then --vars. */
static int project_vars(struct xf_loader *l, const struct xf_ynode *n)
{
    struct xf_project *p = l->p;
    p->vars = xf_v_dict(l->a, 8);
    if (n && !(n->kind == XF_Y_SCALAR && !n->quoted && xf_ynode_value(l->a, n).t == XF_V_NONE)) {
        if (n->kind != XF_Y_MAP)
            return xf_error(l->diags, n->loc, "'vars' must be a mapping of names to values");
        struct xf_value all = xf_ynode_value(l->a, n);
        const struct xf_value *scoped = NULL;
        for (size_t i = 0; i < all.u.d->n; i++) {
            struct xf_dict_ent *e = &all.u.d->ents[i];
            if (xf_str_eqc(e->key, p->name) && e->val.t == XF_V_DICT)
                scoped = &e->val;
            else
                xf_dict_set(l->a, p->vars.u.d, e->key, e->val);
        }
        if (scoped)
            for (size_t i = 0; i < scoped->u.d->n; i++)
                xf_dict_set(l->a, p->vars.u.d, scoped->u.d->ents[i].key, scoped->u.d->ents[i].val);
    }
    for (size_t i = 0; i < l->cli_vars.u.d->n; i++)
        xf_dict_set(l->a, p->vars.u.d, l->cli_vars.u.d->ents[i].key, l->cli_vars.u.d->ents[i].val);
    return 0;
}

/* ---- the project file ---- */

static int find_project_file(struct xf_loader *l, const char **display, const char **full)
{
    static const char *const names[] = {"xform_project.yml", "dbt_project.yml"};
    for (size_t i = 0; i < 2; i++) {
        const char *f = xf_path_join(l->a, l->p->root, names[i]);
        if (xf_is_file(f)) {
            *display = names[i];
            *full = f;
            return 0;
        }
    }
    struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, XF_NOLOC,
                                    "no xform_project.yml or dbt_project.yml in '%s'", l->p->root);
    xf_diag_hint(g, "run 'xform init' to create a project, or pass --project-dir");
    return -1;
}

static int read_project(struct xf_loader *l, const struct xf_ynode **profile_key)
{
    struct xf_project *p = l->p;
    const char *display, *full;
    if (find_project_file(l, &display, &full) < 0)
        return -1;
    const struct xf_source *src = xf_loader_read(l, display, full, XF_NOLOC);
    if (!src)
        return -1;
    p->project_file = src;
    struct xf_ynode *root;
    if (xf_yaml_parse(&root, l->a, src, l->diags) < 0)
        return -1;
    if (root->kind != XF_Y_MAP)
        return xf_error(l->diags, root->loc, "%s must be a mapping of keys to values", display);
    if (xf_loader_render_tree(l, root, true) < 0)
        return -1;
    p->raw = xf_ynode_value(l->a, root);

    size_t nkeys;
    const char *const *keys = xf_feature_names(XF_FEAT_PROJECT_KEY, &nkeys);
    for (size_t i = 0; i < root->n; i++) {
        const struct xf_ynode *k = root->keys[i];
        if (k->kind != XF_Y_SCALAR)
            continue;
        if (!xf_feature_find(XF_FEAT_PROJECT_KEY, k->str))
            xf_loader_unknown_key(l, k, display, keys, nkeys);
        else
            xf_feature_warn(l->diags, XF_FEAT_PROJECT_KEY, k->str, NULL, k->loc);
    }

    const struct xf_ynode *n = xf_ynode_get(root, "name");
    if (!n) {
        struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, (struct xf_loc){src, 0, 0},
                                        "%s has no 'name'", display);
        xf_diag_hint(g, "add a line like: name: my_project");
        return -1;
    }
    if (xf_loader_want_str(l, n, "name", &p->name) < 0)
        return -1;
    if (!valid_name(n->str)) {
        struct xf_diag *g =
            xf_diag_add(l->diags, XF_SEV_ERROR, n->loc, "invalid project name '%s'", p->name);
        xf_diag_hint(g, "use letters, digits and underscores, starting with a letter");
        return -1;
    }
    int err = 0;
    if ((n = xf_ynode_get(root, "version")))
        p->version = n->kind == XF_Y_SCALAR ? n->str.p : NULL;
    if ((n = xf_ynode_get(root, "profile"))) {
        *profile_key = n;
        err |= xf_loader_want_str(l, n, "profile", &p->profile);
    }
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
    err |= str_list(l, mp, "model-paths", &p->model_paths, d_models, 1);
    err |= str_list(l, sp, "seed-paths", &p->seed_paths, d_seeds, 1);
    err |= str_list(l, xf_ynode_get(root, "test-paths"), "test-paths", &p->test_paths, d_tests, 1);
    err |=
        str_list(l, xf_ynode_get(root, "macro-paths"), "macro-paths", &p->macro_paths, d_macros, 1);
    err |= str_list(l, xf_ynode_get(root, "snapshot-paths"), "snapshot-paths", &p->snapshot_paths,
                    d_snaps, 1);
    err |= str_list(l, xf_ynode_get(root, "analysis-paths"), "analysis-paths", &p->analysis_paths,
                    d_an, 1);
    err |= str_list(l, xf_ynode_get(root, "clean-targets"), "clean-targets", &p->clean_targets,
                    d_clean, 1);
    if (err)
        return -1;
    const struct xf_ynode *dp = xf_ynode_get(root, "docs-paths");
    if (dp) {
        if (str_list(l, dp, "docs-paths", &p->docs_paths, NULL, 0) < 0)
            return -1;
    } else {
        p->docs_paths = xf_v_list(l->a, 8);
        const struct xf_value *all[] = {&p->model_paths, &p->seed_paths,     &p->test_paths,
                                        &p->macro_paths, &p->snapshot_paths, &p->analysis_paths};
        for (size_t i = 0; i < 6; i++)
            for (size_t j = 0; j < all[i]->u.l->n; j++) {
                bool dup = false;
                for (size_t q = 0; q < p->docs_paths.u.l->n && !dup; q++)
                    dup = xf_value_equal(&p->docs_paths.u.l->items[q], &all[i]->u.l->items[j]);
                if (!dup)
                    xf_list_push(l->a, p->docs_paths.u.l, all[i]->u.l->items[j]);
            }
    }
    p->target_path = "target";
    if ((n = xf_ynode_get(root, "target-path")) &&
        xf_loader_want_str(l, n, "target-path", &p->target_path) < 0)
        return -1;
    if (project_vars(l, xf_ynode_get(root, "vars")) < 0)
        return -1;

    static const char *const hooks[] = {"on-run-start", "on-run-end"};
    struct xf_value *hv[] = {&p->on_run_start, &p->on_run_end};
    for (size_t i = 0; i < 2; i++) {
        if (str_list(l, xf_ynode_get(root, hooks[i]), hooks[i], hv[i], NULL, 0) < 0)
            return -1;
    }
    p->dispatch = xf_v_list(l->a, 0);
    if ((n = xf_ynode_get(root, "dispatch"))) {
        if (n->kind != XF_Y_SEQ)
            return xf_error(l->diags, n->loc,
                            "'dispatch' must be a list of {macro_namespace, search_order}");
        p->dispatch = xf_ynode_value(l->a, n);
    }

    if (xf_loader_config_trees(l, root) < 0)
        return -1;
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
    for (int i = 0; i < 6; i++)
        xf_map_init(&l->names[i]);
    xf_map_init(&l->macro_names);
    xf_map_init(&l->doc_names);
    xf_map_init(&l->source_names);
    xf_map_init(&l->listings);
    xf_map_init(&l->folder_cache);
    xf_buf_init(&l->scratch, 256);

    size_t errors_before = diags->nerrors;
    const char *root = opts && opts->project_dir && *opts->project_dir ? opts->project_dir : ".";
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/')
        rl--;
    p->root = xf_arena_strndup(l->a, root, rl);
    p->model_paths = p->seed_paths = p->test_paths = p->macro_paths = p->snapshot_paths =
        p->analysis_paths = p->docs_paths = p->clean_targets = p->on_run_start = p->on_run_end =
            p->dispatch = xf_v_list(l->a, 0);
    p->vars = p->config_trees = p->raw = xf_v_dict(l->a, 0);
    p->target.settings = xf_v_dict(l->a, 0);

    static const struct xf_load_opts no_opts = {0};
    if (!opts)
        l->opts = opts = &no_opts;

    const struct xf_ynode *profile_key = NULL;
    int err = 0;
    if ((err = parse_vars(l)) < 0)
        goto done;
    if ((err = read_project(l, &profile_key)) < 0)
        goto done;
    warn_files(l);
    for (int t = 0; t < 6; t++)
        l->uid_prefix[t] = xf_loader_cat(l->a, xf_resource_name((enum xf_resource)t), ".", p->name);
    l->uid_prefix_macro = xf_loader_cat(l->a, "macro", ".", p->name);
    if ((err = xf_loader_target(l, profile_key)) < 0)
        goto done;
    p->target.loaded = true;

    xf_loader_discover(l);
    for (size_t i = 0; i < p->nodes.n; i++)
        xf_loader_sync_node(l, p->nodes.v[i]);
    for (size_t i = 0; i < p->sources.n; i++)
        xf_loader_sync_node(l, p->sources.v[i]);
    if (diags->nerrors == errors_before)
        xf_loader_config_warn_unused(l);
    err = diags->nerrors > errors_before ? -1 : 0;

done:
    for (int i = 0; i < 6; i++)
        xf_map_release(&l->names[i]);
    xf_map_release(&l->macro_names);
    xf_map_release(&l->doc_names);
    xf_map_release(&l->source_names);
    xf_map_release(&l->listings);
    xf_map_release(&l->folder_cache);
    xf_buf_release(&l->scratch);
    return err;
}

void xf_project_free(struct xf_project *p)
{
    if (!p)
        return;
    xf_map_release(&p->by_unique_id);
    for (size_t i = 0; i < p->nworker_arenas; i++)
        xf_arena_release(&p->worker_arenas[i]);
    free(p->worker_arenas);
    xf_arena_release(&p->arena);
    free(p);
}

struct xf_node *xf_project_find(const struct xf_project *p, const char *unique_id)
{
    return xf_map_getc(&p->by_unique_id, unique_id);
}

const char *xf_resource_name(enum xf_resource r)
{
    switch (r) {
    case XF_RES_MODEL:
        return "model";
    case XF_RES_SEED:
        return "seed";
    case XF_RES_SNAPSHOT:
        return "snapshot";
    case XF_RES_TEST:
        return "test";
    case XF_RES_ANALYSIS:
        return "analysis";
    case XF_RES_SOURCE:
        return "source";
    }
    return "unknown";
}
