// SPDX-License-Identifier: MIT
/*
 * `xform clean`: removes the project's clean-targets. It refuses any
 * target outside the project folder and never deletes a database file,
 * even one inside a clean target (those are kept and named).
 */
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "util/path.h"

static bool is_db_file(const char *name)
{
    size_t n = strlen(name);
    return (n > 3 && !strcmp(name + n - 3, ".db")) || (n > 7 && !strcmp(name + n - 7, ".sqlite")) ||
           (n > 8 && !strcmp(name + n - 8, ".sqlite3")) || strstr(name, ".db-") != NULL;
}

/* rm -rf that keeps database files (and the folders that hold them). */
static int remove_keeping_dbs(const char *path, int *kept)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return 0;
    if (!S_ISDIR(st.st_mode)) {
        const char *base = strrchr(path, '/');
        if (is_db_file(base ? base + 1 : path)) {
            fprintf(stderr, "warning: kept database file %s\n", path);
            (*kept)++;
            return 0;
        }
        return unlink(path);
    }
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        size_t n = strlen(path) + strlen(e->d_name) + 2;
        char *sub = xf_malloc(n);
        snprintf(sub, n, "%s/%s", path, e->d_name);
        remove_keeping_dbs(sub, kept);
        free(sub);
    }
    closedir(d);
    rmdir(path); /* fails, harmlessly, when a database file was kept */
    return 0;
}

/* Removes one clean target (relative to the project), or says why it does not. */
static void clean_one(struct xf_cli *cli, struct xf_arena *a, const struct xf_project *p,
                      const char *root, const char *target, int *kept)
{
    char *path = xf_path_join(a, p->root, target);
    char real[PATH_MAX];
    if (!realpath(path, real)) {
        xf_console_line(cli, "Nothing to clean at %s", target);
        return;
    }
    size_t rl = strlen(root);
    if (strncmp(real, root, rl) != 0 || (real[rl] != '/' && real[rl] != 0) || !strcmp(real, root)) {
        fprintf(stderr, "error: refusing to clean '%s': it is not inside the project folder\n",
                target);
        return;
    }
    remove_keeping_dbs(real, kept);
    xf_console_line(cli, "Cleaned %s", target);
}

int xf_cmd_clean(struct xf_cli *cli)
{
    struct xf_diags d;
    xf_diags_init(&d);
    struct xf_project *p = NULL;
    int code = XF_EXIT_USAGE;
    /* the project is loaded, not rendered: a model calling a package's
       macro must not stop clean before deps has installed the package */
    struct xf_load_opts lo;
    xf_cmd_load_opts(cli, &lo);
    int e = xf_project_load(&p, &lo, &d);
    xf_console_diags(cli, &d);
    if (e < 0) {
        fprintf(stderr, "%u error%s: nothing was run\n", (unsigned)d.nerrors,
                d.nerrors == 1 ? "" : "s");
        goto done;
    }
    char root[PATH_MAX];
    if (!realpath(p->root, root)) {
        fprintf(stderr, "error: cannot resolve the project folder %s\n", p->root);
        goto done;
    }
    struct xf_arena a;
    xf_arena_init(&a);
    const struct xf_value *ct = &p->clean_targets;
    size_t n = ct->t == XF_V_LIST ? ct->u.l->n : 0;
    int kept = 0;
    for (size_t i = 0; i < n; i++) {
        const struct xf_value *v = &ct->u.l->items[i];
        if (v->t != XF_V_STR)
            continue;
        clean_one(cli, &a, p, root, xf_arena_strdups(&a, v->u.s), &kept);
    }
    /* --target-path (or its environment variables) moved the artifacts: that folder is
       cleaned too, which dbt's clean forgets (dbt-core issue 11346) */
    const char *moved = xf_cli_target_path(cli);
    bool listed = false;
    for (size_t i = 0; moved && i < n; i++) {
        const struct xf_value *v = &ct->u.l->items[i];
        listed |= v->t == XF_V_STR && xf_str_eqc(v->u.s, moved);
    }
    if (moved && !listed) {
        clean_one(cli, &a, p, root, moved, &kept);
        n++;
    }
    xf_console_line(cli, "Finished cleaning %zu %s", n, n == 1 ? "path" : "paths");
    /* the log file opens only now, after the exit: logs/ may have been a clean target */
    xf_logfile_attach(cli, p, false);
    xf_arena_release(&a);
    code = XF_EXIT_OK;
done:
    xf_project_free(p);
    xf_diags_release(&d);
    return code;
}
