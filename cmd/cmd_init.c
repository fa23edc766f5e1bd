// SPDX-License-Identifier: MIT
/*
 * `xform init NAME`: a new project folder with the usual layout (a
 * dbt_project.yml, as dbt's), an example model with a test, a .gitignore
 * for what xform writes, and no profile (the embedded SQLite default works
 * at once). It never overwrites an existing folder.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cli.h"
#include "util/path.h"

static bool valid_name(const char *s)
{
    if (!*s || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return false;
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    }
    return true;
}

int xf_cmd_init(struct xf_cli *cli)
{
    if (cli->positional.n != 1 || !valid_name(cli->positional.v[0])) {
        fprintf(stderr, "error: usage: xform init NAME (letters, digits and '_', not starting "
                        "with a digit)\n");
        return XF_EXIT_USAGE;
    }
    const char *name = cli->positional.v[0];
    struct stat st;
    if (stat(name, &st) == 0) {
        fprintf(stderr, "error: '%s' already exists; choose another name or folder\n", name);
        return XF_EXIT_USAGE;
    }
    struct xf_arena a;
    xf_arena_init(&a);
    struct {
        const char *path, *text;
    } files[] = {
        /* dbt_project.yml: what dbt users and their tools (editors, CI, dbt itself) expect */
        {"dbt_project.yml",
         xf_arena_printf(&a,
                         "name: %s\nversion: '1.0.0'\nconfig-version: 2\nprofile: %s\n\n"
                         "model-paths: [models]\nseed-paths: [seeds]\ntest-paths: [tests]\n"
                         "macro-paths: [macros]\nsnapshot-paths: [snapshots]\n\n"
                         "clean-targets: [target, dbt_packages]\n\n"
                         "models:\n  %s:\n    +materialized: view\n",
                         name, name, name)},
        {"models/example/my_first_model.sql",
         "{{ config(materialized='table') }}\n\nselect 1 as id\nunion all\nselect 2 as id\n"},
        {"models/example/my_second_model.sql",
         "select id\nfrom {{ ref('my_first_model') }}\nwhere id = 1\n"},
        {"models/example/schema.yml",
         "version: 2\n\nmodels:\n  - name: my_first_model\n    description: a starter model\n"
         "    columns:\n      - name: id\n        data_tests:\n          - unique\n"
         "          - not_null\n"},
        {"seeds/.gitkeep", ""},
        {"macros/.gitkeep", ""},
        {"tests/.gitkeep", ""},
        {"snapshots/.gitkeep", ""},
        /* what xform writes: artifacts, installed packages, logs, the SQLite files
         * (one per schema) with their WAL and journal files */
        {".gitignore", "target/\ndbt_packages/\nlogs/\n*.db\n*.db-wal\n*.db-shm\n"
                       "*.db-journal\n"},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *p = xf_arena_printf(&a, "%s/%s", name, files[i].path);
        int e = xf_write_file(p, files[i].text, strlen(files[i].text));
        if (e < 0) {
            fprintf(stderr, "error: could not write %s: %s\n", p, strerror(-e));
            xf_arena_release(&a);
            return XF_EXIT_FAIL;
        }
    }
    printf("Created project '%s'. Next:\n  cd %s\n  xform build\n"
           "With no profiles.yml it runs on the SQLite file %s/%s.db; see the README for "
           "Postgres.\n",
           name, name, name, name);
    xf_arena_release(&a);
    return XF_EXIT_OK;
}
