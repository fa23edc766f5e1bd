// SPDX-License-Identifier: MIT
/*
 * The loaded project: xform_project.yml / dbt_project.yml, profiles, every
 * model, seed, snapshot, test, source, macro and docs block, with their
 * configs resolved from the project tree, YAML properties and (later) the
 * in-file config() calls. Everything lives in the project's arena and
 * keeps its file and byte offset for diagnostics.
 */
#ifndef XF_PARSER_PROJECT_H
#define XF_PARSER_PROJECT_H

#include <stdbool.h>
#include <stdint.h>

#include "parser/csv.h"
#include "parser/target.h"
#include "parser/yaml.h"
#include "templating/jinja.h"
#include "util/arena.h"
#include "util/diag.h"
#include "util/map.h"
#include "util/value.h"
#include "util/vec.h"

enum xf_resource {
    XF_RES_MODEL,
    XF_RES_SEED,
    XF_RES_SNAPSHOT,
    XF_RES_TEST,
    XF_RES_ANALYSIS,
    XF_RES_SOURCE,
    /* Not built: described in YAML (parser/semantic.c), in the graph and the
     * manifest after the sources (project.others). */
    XF_RES_EXPOSURE,
    XF_RES_METRIC,
    XF_RES_SEMANTIC_MODEL,
    XF_RES_SAVED_QUERY,
    /* Run by `test` and `build` (parser/unit_tests.c, engine/unit_test.c). */
    XF_RES_UNIT_TEST,
};
/* How many resource types there are (arrays indexed by enum xf_resource). */
#define XF_RES_NTYPES (XF_RES_UNIT_TEST + 1)

/* "model", "seed", ... as in unique ids and --resource-type. */
const char *xf_resource_name(enum xf_resource r);

/*
 * A ref or source call written as text, as YAML holds them (a relationships
 * test's `to`, a unit test's `input`): "ref('x')", "ref('pkg', 'x')" or
 * "source('s', 't')", after optional spaces and "{"s. Sets *is_source and
 * args (slices of s) and *end just past the ')'; returns the number of
 * arguments (0 to 2), or -1 when s is no such call.
 */
int xf_parse_ref_text(const char *s, bool *is_source, struct xf_str args[2], const char **end);

/*
 * A constraint from a properties file (a column's `constraints:` or the
 * model's), checked at load: a known type, a check's expression, model-level
 * columns that are declared. Built into CREATE TABLE by engine/contract.c.
 */
struct xf_constraint {
    const char *type;       /* not_null, unique, primary_key, foreign_key, check, custom */
    const char *name;       /* NULL when not given */
    const char *expression; /* check / custom / old-style foreign_key; NULL */
    const char *to;         /* foreign_key: "ref('x')" or "source('s', 't')" as written; NULL */
    const char *to_name;    /* what `to` names: the model (or the source table) */
    const char *to_source;  /* the source name when `to` is source(), else NULL */
    XF_VEC(const char *) to_columns;
    XF_VEC(const char *) columns; /* model level only */
    bool warn_unenforced, warn_unsupported;
    struct xf_loc loc;
};

struct xf_column {
    const char *name;
    const char *description;
    const char *data_type; /* NULL when not declared */
    bool quote;
    struct xf_value meta; /* dict */
    struct xf_value tags; /* list of strings */
    XF_VEC(struct xf_constraint) constraints;
    struct xf_loc loc;
};

/* A ref('x') / ref('pkg', 'x') / source('s', 't') call found while parsing. */
struct xf_dep {
    const char *package; /* ref: NULL or the package; source: the source name */
    const char *name;    /* ref: model name; source: table name */
    struct xf_loc loc;
    struct xf_node *node; /* resolved target (graph/ fills it) */
    const char *version;  /* ref('m', v=2): the version asked for, or NULL (the latest) */
};

/* A generic test declared in YAML, before it becomes a test node. */
struct xf_test_decl {
    const char *test_name;   /* "unique", "dbt_utils.accepted_range" ... */
    const char *column;      /* NULL for a model-level test */
    struct xf_value kwargs;  /* dict of arguments (values, to, field ...) */
    struct xf_value config;  /* dict: severity, where, ... */
    const char *custom_name; /* `name:` given to the test in YAML (also in kwargs), or NULL */
    struct xf_loc loc;       /* the test's name in the YAML file */
};

/* Rows of a unit test's given input or expectation. */
struct xf_ut_rows {
    const char *format;    /* "dict", "csv" or "sql" */
    struct xf_value rows;  /* dict and csv: list of dicts (csv values are strings) */
    const char *sql;       /* sql: the query text */
    struct xf_value names; /* dict and csv: list of the column names, first seen first */
    struct xf_loc loc;     /* the rows (or the fixture name) in the YAML */
    const char *fixture;   /* tests/fixtures/<name>.<format> read for them, or NULL */
};

/* One `given:` entry: ref(...), source(...) or this, with its rows. */
struct xf_ut_given {
    const char *input; /* as written: "ref('stg_orders')" */
    bool is_source, is_this;
    struct xf_dep dep; /* ref: package/name; source: source/table */
    struct xf_loc loc; /* the input's value */
    struct xf_ut_rows rows;
};

/* A unit test (dbt 1.8 `unit_tests:`): what parser/unit_tests.c read. */
struct xf_unit_test {
    const char *model;
    struct xf_loc model_loc;
    XF_VEC(struct xf_ut_given) given;
    struct xf_ut_rows expect;
    struct xf_value overrides; /* dict: macros, vars, env_vars (each a dict) */
};

/* How a node is built: its config's 'materialized', as a fact set once by the engine. */
enum xf_mat {
    XF_MAT_NONE, /* sources; before the engine has looked */
    XF_MAT_VIEW,
    XF_MAT_TABLE,
    XF_MAT_INCREMENTAL,
    XF_MAT_EPHEMERAL,
    XF_MAT_SEED,
    XF_MAT_SNAPSHOT,
    XF_MAT_TEST,
    XF_MAT_OTHER, /* a custom materialization: its name is in mat_name */
};

struct xf_node {
    enum xf_resource type;
    uint32_t index;                 /* position in project.nodes */
    const char *name;               /* "stg_orders" */
    const char *unique_id;          /* "model.jaffle_shop.stg_orders" */
    const char *package;            /* project name */
    const char *path;               /* relative to its resource path: "staging/stg_orders.sql" */
    const char *original_file_path; /* relative to the project: "models/staging/..." */
    struct xf_value fqn;            /* list: [project, folder..., name] */
    const struct xf_source *src;    /* the file (NULL for sources, generic tests) */
    const struct xf_tmpl *tmpl;     /* parsed SQL (models, tests, snapshots, analyses) */
    /* A snapshot defined in YAML (dbt 1.9): its `relation:` value, where its ref or
     * source is located; no src when the snapshot is a {% snapshot %} block. */
    struct xf_loc relation_loc;
    char checksum[65];              /* sha256 of the file */

    struct xf_value config; /* dict: project tree, then YAML, then config() */
    const char *description;
    struct xf_loc description_loc;
    XF_VEC(struct xf_column) columns;
    struct xf_value meta;                     /* dict */
    struct xf_value tags;                     /* list of strings */
    struct xf_loc props_loc;                  /* its entry in a schema .yml, if any */
    const char *patch_path;                   /* "project://models/schema.yml" */
    XF_VEC(struct xf_test_decl) tests;        /* YAML tests on this node */
    XF_VEC(struct xf_constraint) constraints; /* model-level `constraints:` */
    struct xf_loc group_loc, access_loc;      /* YAML `group:` / `access:` values, if any */
    /* Model versions: "2" (as written), NULL when the model is not versioned. */
    const char *version, *latest_version;
    const char *deprecation_date; /* "2024-06-01" as written, or NULL */
    struct xf_loc version_loc;    /* its `v:` in the YAML file */

    XF_VEC(struct xf_dep) refs;
    XF_VEC(struct xf_dep) source_deps;
    XF_VEC(const char *) macro_deps; /* unique ids of macros called */

    /* Set by the engine after the execute-mode render. */
    const char *compiled_code;
    /* Materialization, set by the engine once after the parse-mode render
     * (config() may change it); mat_name is the config word ("view"). */
    enum xf_mat mat;
    const char *mat_name;
    /* The {% materialization %} block that builds it (a custom one, or the
     * root project's override of a built-in), or NULL: xform's own. */
    const struct xf_macro_def *mat_macro;
    /* Relation, set by the engine from config + generate_*_name. */
    const char *database, *schema, *alias, *relation_name;
    /* Where the relation's schema is a file (SQLite): its absolute path. */
    const char *database_file;

    /* Seeds */
    const char *csv_path;     /* as opened (project root joined) */
    const struct xf_csv *csv; /* parsed at load, so a bad CSV fails before anything runs */
    /* Sources */
    const char *source_name, *identifier, *loaded_at_field;
    const char *source_description;
    struct xf_value freshness; /* dict or none */
    /* Tests */
    struct xf_node *attached; /* the node a generic test tests */
    const char *column_name;
    const struct xf_test_decl *decl;
    /* Exposures, metrics, semantic models, saved queries, unit tests */
    XF_VEC(struct xf_dep) other_deps; /* metric('m') ...: package is the kind ("metric") */
    struct xf_value props;            /* dict: its members in the manifest, dbt's shape */
    const struct xf_unit_test *unit;  /* unit tests: what to run */

    void *engine; /* engine/ per-node state */
};

/* A group of a properties file's `groups:` (dbt's access groups). */
struct xf_group {
    const char *name, *unique_id, *package; /* "group.<project>.<name>" */
    const char *path, *original_file_path;
    const char *description; /* NULL when not given */
    struct xf_value owner;   /* dict: name, email and any other keys */
    struct xf_value meta;    /* dict: config.meta */
    struct xf_loc loc;       /* its name in the YAML file */
};

struct xf_macro_def {
    const char *name;      /* "cents_to_dollars" */
    const char *unique_id; /* "macro.jaffle_shop.cents_to_dollars" */
    const char *package;
    const char *path, *original_file_path;
    const struct xf_block *block;
    const struct xf_source *src;
    const char *description;
    XF_VEC(const char *) macro_deps; /* unique ids of project/package macros it calls */
};

struct xf_doc_def {
    const char *name, *unique_id, *package, *path, *original_file_path;
    struct xf_str text;
    struct xf_loc loc;
};

/*
 * An installed package (a folder under packages-install-path with its own
 * dbt_project.yml): a project of its own whose nodes and macros carry its
 * name. The root project is not in this list.
 */
struct xf_package {
    const char *name, *version;
    const char *dir;  /* relative to the root project: "dbt_packages/dbt_utils" */
    const char *root; /* as opened (the root project's folder joined) */
    const struct xf_source *project_file;
    struct xf_value model_paths, seed_paths, test_paths, macro_paths, snapshot_paths,
        analysis_paths, docs_paths; /* lists of strings, relative to root */
    struct xf_value vars;           /* dict: what var() sees in its nodes */
    struct xf_value config_trees;   /* dict: its own "models", "seeds" ... trees */
    struct xf_value raw;            /* its project file as a value */
    struct xf_value on_run_start, on_run_end; /* lists of strings (packages; the root's are
                                               * the project's) */
};

struct xf_project {
    struct xf_arena arena;
    const char *root; /* project folder (as given, absolute or relative to cwd) */
    const struct xf_source *project_file;
    const char *name, *version, *profile;
    struct xf_value model_paths, seed_paths, test_paths, macro_paths, snapshot_paths,
        analysis_paths, docs_paths; /* lists of strings */
    const char *target_path;        /* "target" */
    const char *log_path;           /* the log-path: key, or NULL (logs) */
    struct xf_value clean_targets;  /* list */
    struct xf_value vars;           /* dict: project vars merged with --vars */
    struct xf_value config_trees;   /* dict: "models", "seeds", "snapshots", "tests" -> tree */
    struct xf_value on_run_start, on_run_end; /* lists of strings */
    struct xf_value dispatch;                 /* list of {macro_namespace, search_order} */
    struct xf_value raw;                      /* the whole project file as a value */
    const char *packages_install_path;        /* "dbt_packages" */
    /* query-comment: the Jinja text as written (NULL: xform's default JSON) */
    const char *query_comment;
    struct xf_loc query_comment_loc;
    bool query_comment_off;               /* query-comment: null or '': no comment */
    bool query_comment_append;            /* append: true */
    XF_VEC(struct xf_package *) packages; /* installed packages, by folder name */

    XF_VEC(struct xf_node *) nodes;   /* models, seeds, snapshots, tests, analyses */
    XF_VEC(struct xf_node *) sources; /* one per source table */
    /* exposures, metrics, semantic models, saved queries and unit tests, in
     * file order: in the graph after the sources */
    XF_VEC(struct xf_node *) others;
    XF_VEC(struct xf_macro_def *) macros;
    XF_VEC(struct xf_doc_def *) docs;
    XF_VEC(struct xf_group *) groups;       /* every package's, in load order */
    XF_VEC(const struct xf_source *) files; /* every file read */
    /* parser/ppcache.c's scan of their Jinja tags, made on first need (in arena) */
    const struct xf_ppscan *ppscan;
    size_t ppscan_nfiles; /* files.n when it was made */
    struct xf_map by_unique_id;             /* unique_id -> node (nodes and sources) */
    /*
     * Templated strings of project files as written: the rendered text's
     * address -> its struct xf_str source (dbt's unrendered_config keeps
     * them, so that another target or vars do not make a config differ).
     */
    struct xf_map unrendered;
    bool has_unrendered;

    struct xf_target target;

    /* Arenas of the loader's worker threads (file text, templates). */
    struct xf_arena *worker_arenas;
    size_t nworker_arenas;
};

/* What the command line passes to the loader. */
struct xf_load_opts {
    const char *project_dir;  /* default "." */
    const char *profiles_dir; /* --profiles-dir or NULL */
    const char *target;       /* --target or NULL */
    const char *vars;         /* --vars YAML/JSON text or NULL */
    int threads;              /* --threads or 0 */
    const char *command;      /* "run", "build" ... (flags.WHICH), or NULL */
    bool full_refresh;        /* --full-refresh (flags.FULL_REFRESH while parsing too) */
    const char *target_path;  /* --target-path, $XFORM_TARGET_PATH, $DBT_TARGET_PATH, or NULL */
    const char *profile;      /* --profile: the profile to use instead of the project's */
    bool empty;               /* --empty: ref() and source() read zero rows (flags.EMPTY) */
    bool warn_error;          /* --warn-error (flags.WARN_ERROR) */
    bool warn_error_notes;    /* --warn-error(-options) covers Note: exceptions.warn() raises */
    const char *event_time_start, *event_time_end; /* microbatch backfill window (ISO, UTC) */
    bool partial_parse; /* read and write the parse records (engine/parse_records.c) */
};

/*
 * Loads the project: project file, profile/target, every file in every
 * path (parsed once: SQL into templates, YAML into trees, CSV headers),
 * schema properties, configs from the project tree. Returns 0, or -1 with
 * located errors in diags. Warnings (unknown keys ...) may be added too.
 * On error *out may still hold a partial project: always xf_project_free.
 */
int xf_project_load(struct xf_project **out, const struct xf_load_opts *opts,
                    struct xf_diags *diags);
void xf_project_free(struct xf_project *p);

/* The installed package of that name, or NULL (also for the root project). */
const struct xf_package *xf_project_package(const struct xf_project *p, const char *name);

/*
 * What var() sees in a node of `package` (NULL or the root project's
 * name: the root project's vars): the package's own vars, then the root
 * project's global vars and those it scopes to the package, then --vars.
 */
const struct xf_value *xf_project_vars(const struct xf_project *p, const char *package);

/*
 * Fills each node's and each macro's macro_deps (dbt's depends_on.macros)
 * with the project and package macros its text calls (parser/macro_deps.c).
 */
void xf_project_macro_deps(struct xf_project *p);

/* Records that the rendered string at `rendered` was written as `raw` in a project file. */
void xf_project_note_unrendered(struct xf_project *p, const char *rendered, struct xf_str raw);
/*
 * dbt's unrendered_config: the node's config with each value that came
 * from a templated project-file string as written. n->config itself when
 * no such value exists; else a copy in `a`.
 */
struct xf_value xf_node_unrendered_config(const struct xf_project *p, const struct xf_node *n,
                                          struct xf_arena *a);

/* Looks a node or source up by unique id. */
struct xf_node *xf_project_find(const struct xf_project *p, const char *unique_id);

/*
 * Config value for a node at `key`, or NULL. Config keys are stored
 * without the '+' prefix.
 */
const struct xf_value *xf_node_config(const struct xf_node *n, const char *key);
/* String config or `def`. */
const char *xf_node_config_str(const struct xf_node *n, const char *key, const char *def);
bool xf_node_config_bool(const struct xf_node *n, const char *key, bool def);
/* Where `word` (a config key or value) is written for n: its config() call,
 * its properties YAML, a project file (dbt's order of precedence; the config
 * trees keep no locations); else the start of its file. */
struct xf_loc xf_config_word_loc(const struct xf_project *p, const struct xf_node *n,
                                 const char *word);
/*
 * Sets a config key (from an in-file config() call) with dbt's merge
 * rules: tags and hooks append, meta/docs/grants... update, the rest
 * replaces. Allocates in `a` (renders on several threads: one arena
 * each, living as long as the project).
 */
void xf_node_config_set(struct xf_arena *a, struct xf_node *n, struct xf_str key,
                        struct xf_value v);

#endif
