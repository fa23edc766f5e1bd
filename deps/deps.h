// SPDX-License-Identifier: MIT
/*
 * `xform deps`, as `dbt deps`: reads packages.yml (or dependencies.yml),
 * resolves every entry and its own packages (hub version ranges
 * intersected), writes package-lock.yml and installs each package into
 * packages-install-path under its dbt_project.yml `name:`. Loading the
 * installed packages is not done here: the output is the folder and the lock.
 */
#ifndef XF_DEPS_DEPS_H
#define XF_DEPS_DEPS_H

#include <stdbool.h>
#include <stddef.h>

#include "parser/yaml.h"
#include "util/arena.h"
#include "util/diag.h"
#include "util/vec.h"

/* ---- versions (semver.c) ---- */

/* A semantic version as the hub writes it: major.minor.patch[-pre][+build]. */
struct xf_semver {
    long major, minor, patch;
    const char *pre; /* NULL, or the prerelease text (points into the parsed string) */
    size_t pre_len;
};

enum xf_semver_op { XF_SV_EQ, XF_SV_GT, XF_SV_GE, XF_SV_LT, XF_SV_LE };

/* One requirement: ">=1.0.0", "<2.0.0", "1.1.1" (exact). */
struct xf_semver_req {
    enum xf_semver_op op;
    struct xf_semver v;
};

/* Parses a version (no operator). 0, or -1 when it is not one. */
int xf_semver_parse(struct xf_semver *out, const char *s);
/* Parses a requirement (an optional >=, >, <=, <, = then a version). 0 or -1. */
int xf_semver_req_parse(struct xf_semver_req *out, const char *s);
/* <0, 0, >0 as semver orders them (a prerelease sorts before its release). */
int xf_semver_cmp(const struct xf_semver *a, const struct xf_semver *b);
bool xf_semver_satisfies(const struct xf_semver *v, const struct xf_semver_req *r);
/* True when some version could satisfy both requirements. */
bool xf_semver_compatible(const struct xf_semver_req *a, const struct xf_semver_req *b);

/* ---- packages.yml and package-lock.yml (packages.c) ---- */

enum xf_pkg_kind { XF_PKG_LOCAL, XF_PKG_GIT, XF_PKG_TARBALL, XF_PKG_HUB };

/* One entry of packages.yml, of a package's own packages.yml, or of the lock. */
struct xf_pkg_spec {
    enum xf_pkg_kind kind;
    const char *source;            /* local path, git URL, tarball URL or hub "owner/name" */
    const char *revision;          /* git: as written (NULL: the default branch) */
    const char *subdirectory;      /* git: NULL or a folder inside the repository */
    bool warn_unpinned;            /* git: warn-unpinned (default true) */
    const char *name;              /* tarball: name:; lock: the package's project name */
    XF_VEC(const char *) versions; /* hub: one version or a list of ranges (arena) */
    bool version_list;             /* hub: written as a list */
    bool install_prerelease;       /* hub */
    struct xf_loc loc;             /* the entry (its first key) */
    struct xf_loc version_loc;     /* hub: the version value */
    const char *requirer;          /* NULL: the root project; else the package's name */
};

typedef XF_VEC(struct xf_pkg_spec) xf_pkg_specs;

/*
 * Reads the packages of the project in `root`: packages.yml, or
 * dependencies.yml when that one has `packages:` (both having it is an
 * error, as in dbt). `*file_out` is the file used (NULL: neither exists).
 * Every entry is checked (unknown keys, sources, hub versions); specs
 * live in `a`. 0, or -1 after located errors.
 */
int xf_pkg_read_packages(xf_pkg_specs *out, const char **file_out, struct xf_arena *a,
                         const char *root, const char *display_prefix, struct xf_diags *d);

/*
 * Parses a source holding a mapping with a `packages:` list (a hub
 * version's metadata is given as JSON, which is YAML too). 0 or -1.
 */
int xf_pkg_parse_source(xf_pkg_specs *out, struct xf_arena *a, const struct xf_source *src,
                        struct xf_diags *d);

/* The lock file: the pinned entries and the sha1_hash they were resolved for. */
struct xf_pkg_lock {
    xf_pkg_specs packages;
    const char *sha1_hash; /* NULL when absent */
};

/* Reads package-lock.yml in `root`. 1 when read, 0 when there is none, -1 on errors. */
int xf_pkg_read_lock(struct xf_pkg_lock *out, struct xf_arena *a, const char *root,
                     struct xf_diags *d);
/* Writes package-lock.yml atomically (a temporary file renamed). 0 or -errno. */
int xf_pkg_write_lock(const char *root, const struct xf_pkg_spec *pinned, size_t n,
                      const char *sha1_hash);
/*
 * dbt's sha1_hash recipe: each entry as JSON with sorted keys, the lines
 * sorted, joined by newlines, SHA-1 in hex (41 bytes). The entries are
 * taken as written, so a change to packages.yml changes the hash.
 */
void xf_pkg_hash(char out[41], const xf_pkg_specs *specs);

/* A relative path without '..' components (subdirectory:, archive entries). */
bool xf_pkg_safe_path(const char *s);
/* A dbt project name (letters, digits, '_'; not a digit first): a folder name too. */
bool xf_pkg_valid_name(const char *s);

/* The `name:` and `packages-install-path` of the dbt_project.yml in `dir`. */
struct xf_pkg_project {
    const char *name;
    const char *install_path; /* "dbt_packages" by default */
    struct xf_loc name_loc;
};
/* 1 when read, 0 when `dir` has no dbt_project.yml, -1 after errors. */
int xf_pkg_read_project(struct xf_pkg_project *out, struct xf_arena *a, const char *dir,
                        const char *display, struct xf_diags *d);

/*
 * `deps --add-package NAME[@VERSION] [--source hub|git|local]`: rewrites
 * packages.yml (or dependencies.yml when that one holds the list; created
 * when neither exists) with the entry appended and the entries dbt takes
 * for the same package removed. Hub versions "a,b" are a list of ranges;
 * a git version is the revision. Comments in the file are not kept (dbt
 * does not keep them either). 0, or -1 with errors in d; the file is
 * replaced only when the new text reads back.
 */
int xf_pkg_add(const char *root, const char *arg, const char *source, struct xf_arena *a,
               struct xf_diags *d, void (*note)(void *, const char *, const char *), void *user);

/* ---- fetching (fetch.c) ---- */

/* GET url into a buffer; 0, or -1 with a one-line reason in err. */
int xf_fetch_http(struct xf_buf *out, const char *url, long *status, struct xf_buf *err);
/* GET url into a file. 0, or -1 with the reason in err. */
int xf_fetch_http_file(const char *url, const char *path, long *status, struct xf_buf *err);
/* Extracts a .tar.gz (or any archive libarchive reads) into dir (created). 0 or -1. */
int xf_fetch_untar(const char *archive, const char *dir, struct xf_buf *err);
/*
 * Runs `git argv...` (argv[0] is "git") in cwd (NULL: here) with no
 * terminal prompts. Standard output goes to out (may be NULL), standard
 * error to err. Returns git's exit status, or -1 when git could not start.
 */
int xf_fetch_git(const char *const *argv, const char *cwd, struct xf_buf *out, struct xf_buf *err);

/* ---- the command (install.c) ---- */

struct xf_deps_opts {
    const char *project_dir; /* the project folder */
    bool upgrade;            /* --upgrade: resolve again even if the lock matches */
    bool lock_only;          /* --lock: resolve and write the lock, install nothing */
    const char *add_package; /* --add-package NAME[@VERSION], or NULL */
    const char *source;      /* --source: hub (default), git or local */
    const char *hub_url;     /* the hub's base URL (with a trailing slash or not) */
    /* Progress lines ("Installing dbt_utils") with dbt's event name
       ("DepsStartPackageInstall"): cmd/ prints them. */
    void (*note)(void *user, const char *event, const char *msg);
    void *user;
};

/* Exit classes of xf_deps_run. */
#define XF_DEPS_EINPUT (-2) /* the packages files or project are wrong: nothing changed */
#define XF_DEPS_EFETCH (-1) /* a package could not be fetched: nothing changed */

/*
 * Runs deps. Diagnostics (errors and warnings) go to `d`; their sources
 * live in `a`, which must outlive `d`'s printing. Returns 0,
 * XF_DEPS_EINPUT or XF_DEPS_EFETCH.
 */
int xf_deps_run(const struct xf_deps_opts *o, struct xf_arena *a, struct xf_diags *d);

#endif
