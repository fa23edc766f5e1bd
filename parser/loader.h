// SPDX-License-Identifier: MIT
/*
 * Private to parser/: the state of one project load, shared by project.c
 * (project file), config.c (config trees and merging), loader.c (shared
 * helpers), discover.c (files), profile.c (profiles.yml and the
 * env_var()/var() rendering of YAML values) and schema.c (properties
 * files). Nothing outside parser/ includes this.
 */
#ifndef XF_PARSER_LOADER_H
#define XF_PARSER_LOADER_H

#include "parser/project.h"

struct cfgtree;

/* Config trees of a project file: models, seeds, snapshots, tests, sources,
 * analyses, exposures, metrics, semantic-models, saved-queries, unit_tests. */
#define XF_NTREES 11

/*
 * One project being loaded: the root project or an installed package.
 * Names are unique within a unit (a package may have a model of the same
 * name as the root project's); its files are read from `root` and shown
 * in diagnostics as `dir` + the path inside the package.
 */
struct xf_unit {
    const char *name;
    const char *root;                /* folder its paths are relative to, as opened */
    const char *dir;                 /* "" for the root project, "dbt_packages/x/" for a package */
    struct xf_package *pkg;          /* NULL for the root project */
    const struct xf_value *paths[7]; /* model, seed, test, macro, snapshot, analysis, docs */
    struct cfgtree *trees[XF_NTREES]; /* its own project file's config trees */
    struct xf_map names[6];          /* per resource: name -> node (refable + analyses) */
    struct xf_map macro_names;       /* name -> xf_macro_def */
    struct xf_map doc_names;         /* name -> xf_doc_def */
    struct xf_map source_names;      /* "source.table" -> node */
    const char *uid_prefix[6];       /* "model.<name>" ... */
    const char *uid_prefix_macro;    /* "macro.<name>" */
};

enum {
    XF_UPATH_MODEL,
    XF_UPATH_SEED,
    XF_UPATH_TEST,
    XF_UPATH_MACRO,
    XF_UPATH_SNAPSHOT,
    XF_UPATH_ANALYSIS,
    XF_UPATH_DOCS
};

struct xf_loader {
    struct xf_project *p;
    struct xf_arena *a; /* &p->arena */
    const struct xf_load_opts *opts;
    struct xf_diags *diags;
    struct xf_value cli_vars;   /* dict from --vars (may be empty) */
    struct xf_value root_vars;  /* dict: the root project file's `vars:` as written */
    struct xf_value globals;    /* dict: env_var, var for YAML rendering */
    struct xf_unit *u;          /* the unit being discovered */
    struct xf_unit *root;       /* the root project's unit */
    struct xf_map listings;     /* directory -> struct listing */
    struct xf_map folder_cache; /* "<tree>\x1f<dir>" -> struct folder_conf */
    struct xf_buf scratch;
};

/* x + sep + y in the arena (no printf: it is on the hot path). */
char *xf_loader_cat(struct xf_arena *a, const char *x, const char *sep, const char *y);

/* Reads a file into the arena as a source; adds it to p->files. NULL + error. */
const struct xf_source *xf_loader_read(struct xf_loader *l, const char *display, const char *full,
                                       struct xf_loc at);

/*
 * Renders, in place, every string scalar of the tree that contains "{{"
 * or "{%" with the template engine (env_var, var). In the project file
 * (`project_file`) vars, hooks and on-run-* are left raw, as dbt does.
 */
int xf_loader_render_tree(struct xf_loader *l, struct xf_ynode *n, bool project_file);

/* Finds profiles.yml, picks the profile and target, fills p->target. */
int xf_loader_target(struct xf_loader *l, const struct xf_ynode *profile_key);

/* Walks the resource paths, reads and parses every file, makes the nodes,
 * macros and docs, applies the properties files, parses the seeds. */
int xf_loader_discover(struct xf_loader *l);

/* Applies one parsed properties file (`rel`: relative to its resource path). */
int xf_loader_schema_tree(struct xf_loader *l, const struct xf_source *src, const char *rel,
                          const struct xf_ynode *root);

/* The properties file a section comes from, as schema.c knows it. */
struct xf_props_file {
    const struct xf_source *src;
    const char *display;    /* models/schema.yml */
    const char *rel;        /* schema.yml, relative to its resource path */
    const char *patch_path; /* shop://models/schema.yml */
    const char *ofp;        /* relative to its project */
};

/* An error for each key of `map` not in `known` (with "did you mean"); 0 or -1. */
int xf_loader_strict_keys(struct xf_loader *l, const struct xf_ynode *map, const char *where,
                          const char *const *known, size_t n);

/* A node of this unit: its ids, file, template, checksum, fqn and the config
 * the project tree gives it (not yet added to the project). */
struct xf_node *xf_loader_new_node(struct xf_loader *l, enum xf_resource type, const char *name,
                                   const char *rel, const char *ofp, const struct xf_source *src,
                                   const struct xf_tmpl *tmpl, const char checksum[65],
                                   const char *fqn_prefix, const char *fqn_extra);

/*
 * parser/yaml_snapshots.c: a `snapshots:` entry with `relation:` (dbt 1.9)
 * as a new snapshot node querying that relation, added to the project;
 * NULL after an error (a relation that is no ref() or source(), a name
 * taken). Its properties are applied by the caller, then
 * xf_loader_yaml_snapshot_check checks the config a snapshot needs
 * (strategy, unique_key, updated_at, hard_deletes), located in the entry:
 * 0 or -1.
 */
struct xf_node *xf_loader_yaml_snapshot(struct xf_loader *l, const struct xf_props_file *f,
                                        const struct xf_ynode *name, const struct xf_ynode *rel);
int xf_loader_yaml_snapshot_check(struct xf_loader *l, const struct xf_ynode *entry,
                                  const struct xf_node *n);

/* parser/unit_tests.c: a `unit_tests:` list into unit test nodes (project.others). */
int xf_loader_unit_tests(struct xf_loader *l, const struct xf_props_file *f,
                         const struct xf_ynode *list);

/* parser/semantic.c: an `exposures:`, `metrics:`, `semantic_models:` or
 * `saved_queries:` list into nodes of that kind (project.others). */
int xf_loader_semantic(struct xf_loader *l, const struct xf_props_file *f, enum xf_resource kind,
                       const struct xf_ynode *list);

/* parser/query_comment.c: the root project's `query-comment:` (n may be NULL). */
int xf_loader_query_comment(struct xf_loader *l, const struct xf_ynode *n);

/* xf_path_join() without printf for the common case. */
char *xf_loader_join_path(struct xf_arena *a, const char *dir, const char *name);

/* Normalised config key: no '+', pre_hook -> pre-hook. */
struct xf_str xf_loader_config_key(struct xf_str k);
/* Merges one config entry into dst with dbt's rules (tags and hooks
 * append, meta/docs/... update, everything else replaces). */
void xf_loader_config_merge1(struct xf_arena *a, struct xf_dict *dst, struct xf_str key,
                             struct xf_value v);
/* Merges every entry of a `config:` mapping (YAML) into dst. */
void xf_loader_config_merge_ynode(struct xf_loader *l, struct xf_dict *dst,
                                  const struct xf_ynode *map);
/* Known config keys (for "did you mean" and for keys without '+'). */
bool xf_loader_is_config_key(struct xf_str k);

/* A warning for an unknown key, with a suggestion from `known`. */
void xf_loader_unknown_key(struct xf_loader *l, const struct xf_ynode *key, const char *where,
                           const char *const *known, size_t nknown);

/* Expects a string scalar; reports "'what' must be a string" otherwise. */
int xf_loader_want_str(struct xf_loader *l, const struct xf_ynode *n, const char *what,
                       const char **out);

/* Builds the current unit's config trees (models:, seeds: ...) from its project file;
 * *out is them as a value (xf_project.config_trees). */
int xf_loader_config_trees(struct xf_loader *l, const struct xf_ynode *root, struct xf_value *out);
/* Warns about root-project config paths that name no project or match no resource. */
void xf_loader_config_warn_unused(struct xf_loader *l);
/* Config of a node from defaults and the project tree for its fqn. */
struct xf_value xf_loader_resolve_config(struct xf_loader *l, enum xf_resource type,
                                         const struct xf_value *fqn);
/* [project, (prefix,) folders of rel..., (extra,) name] */
struct xf_value xf_loader_fqn(struct xf_loader *l, const char *prefix, const char *rel,
                              const char *name, const char *extra);

/*
 * contracts.c: one constraint of a properties file into *out (a foreign
 * key's `to:` also becomes a ref/source dependency of n); and a model's
 * `constraints:` list into n->constraints, each named column checked
 * against n's declared columns. 0 or -1 with located errors.
 */
int xf_loader_constraint(struct xf_loader *l, const struct xf_ynode *e, bool model_level,
                         struct xf_node *n, struct xf_constraint *out);
int xf_loader_model_constraints(struct xf_loader *l, const struct xf_ynode *list,
                                struct xf_node *n);

/*
 * groups.c: a properties file's `groups:` list into p->groups (path and
 * ofp as the file's nodes carry them); a model entry's `group:` or
 * `access:` property (key and value) into n's config, the value located.
 */
int xf_loader_groups(struct xf_loader *l, const struct xf_ynode *list, const char *path,
                     const char *ofp);
int xf_loader_access_prop(struct xf_loader *l, const struct xf_ynode *key, const struct xf_ynode *v,
                          struct xf_node *n);

/*
 * versions.c: a model entry with `versions:` (name: its `name:` value):
 * each version's file node renamed as that version, then `apply` gives it
 * the entry's properties, and the version's own columns and tests go
 * through `columns` and `tests` (schema.c's readers). 0 or -1, located.
 */
struct xf_version_hooks {
    void *ctx;
    int (*apply)(void *ctx, const struct xf_ynode *entry, struct xf_node *n);
    int (*columns)(void *ctx, const struct xf_ynode *list, struct xf_node *n);
    int (*tests)(void *ctx, const struct xf_ynode *list, struct xf_node *n);
};
int xf_loader_versions(struct xf_loader *l, const struct xf_ynode *e, const struct xf_ynode *name,
                       const struct xf_version_hooks *h);

/*
 * Adds a new node to the project, once its name is checked: names that
 * ref() resolves are unique among models, seeds and snapshots (an error at
 * loc otherwise, and the node is not added). 0 or -1.
 */
int xf_loader_add_node(struct xf_loader *l, struct xf_node *n, struct xf_loc loc);

/* Keeps node->tags and node->meta in step with the config. */
void xf_loader_sync_node(struct xf_loader *l, struct xf_node *n);

#endif
