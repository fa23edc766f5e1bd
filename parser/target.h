// SPDX-License-Identifier: MIT
/*
 * The target: the chosen profile output that adapters connect with, and
 * the one rule for schema names that every path (profile, custom schemas,
 * the adapters) checks. Kept apart from project.h so that adapters see
 * only this, not the whole project model and the template engine.
 */
#ifndef XF_PARSER_TARGET_H
#define XF_PARSER_TARGET_H

#include <stdbool.h>

#include "util/value.h"

/* The chosen profile output (connection settings), from profiles.yml. */
struct xf_target {
    const char *profile_name; /* NULL: the embedded default */
    const char *name;         /* "dev" */
    const char *type;         /* "sqlite" | "postgres" */
    const char *schema;       /* default schema ("main" on sqlite) */
    const char *database;     /* sqlite: path of the main file; postgres: dbname */
    int threads;
    /*
     * sqlite: the journal mode the database files are switched to, "wal"
     * (default: readers beside the writer) or "delete" (the profile's
     * `journal_mode`, for file systems without shared memory). NULL: "wal".
     */
    const char *journal_mode;
    struct xf_value settings; /* dict of every key of the output (rendered) */
    bool embedded_default;    /* no profile: <project>.db in the project folder */
    bool loaded;              /* read without error (debug tests it even if the rest fails) */
    /*
     * Schemas of another target that this run reads (--defer, clone) on an
     * adapter whose schemas are files (SQLite): schema name -> file path,
     * attached by every connection. Set by the engine before connecting.
     */
    const char *const *foreign_schemas, *const *foreign_files;
    size_t nforeign;
};

/* What a schema name may be, as every message about a refused one says it. */
#define XF_SCHEMA_NAME_RULE                                                                        \
    "a schema name is a plain name: no quotes, slashes, backslashes or control characters, "       \
    "and not '.' or '..'"

/*
 * True when `schema` keeps XF_SCHEMA_NAME_RULE: a schema is a file name
 * on SQLite and is quoted into SQL on PostgreSQL, so one rule for both.
 */
bool xf_schema_name_ok(const char *schema);

/*
 * dbt's `target` as templates see it (name, type, schema, database,
 * threads, profile_name and the output's other settings, never a
 * password), in `a`. `project_name` stands in for a missing profile name.
 */
struct xf_value xf_target_value(struct xf_arena *a, const struct xf_target *t,
                                const char *project_name);

#endif
