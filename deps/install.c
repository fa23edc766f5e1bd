// SPDX-License-Identifier: MIT
/*
 * `deps` itself: resolve what packages.yml asks for (transitively, hub
 * ranges intersected, breadth first as dbt does), write package-lock.yml,
 * then install from the lock. Everything is fetched into a temporary
 * folder under the install path first; only when every package is there
 * are they renamed into place, so a failure leaves the previous install
 * as it was.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deps/deps.h"
#include "util/path.h"

#define STATE_FILE ".xform-installed.json"
#define DEFAULT_HUB "https://hub.getdbt.com/"

struct req {
    const char *text;     /* ">=1.0.0" */
    const char *requirer; /* NULL: the project */
    struct xf_loc loc;    /* the root entry it came through */
    struct xf_semver_req r;
};

/* One package: what was asked for it, then what it was pinned to. */
struct pkg {
    enum xf_pkg_kind kind;
    const char *key; /* identity: two entries with one key are one package */
    const char *source, *subdirectory, *revision;
    const char *requirer; /* who asked first (NULL: the project) */
    XF_VEC(struct req) reqs;
    bool install_prerelease, warn_unpinned;
    struct xf_loc loc; /* the root entry it came through */
    /* pinned */
    const char *version; /* hub: the chosen version; git: the commit */
    const char *name;    /* its project name: the install folder */
    const char *dir;     /* its files once fetched (local: the source folder) */
    const char *tarball; /* hub: the chosen version's download */
    json_t *index;       /* hub: the package's hub JSON */
    const char *latest;  /* hub: the newest installable version */
    bool from_lock;
};

struct ctx {
    const struct xf_deps_opts *o;
    struct xf_arena *a;
    struct xf_diags *d;
    const char *root;    /* the project folder, absolute */
    const char *install; /* the install path, absolute */
    const char *dl;      /* the temporary folder for downloads */
    const char *hub;     /* the hub's base URL, ending in '/' */
    const char *root_name;
    const char *install_rel; /* packages-install-path as written */
    XF_VEC(struct pkg *) pkgs;
    unsigned seq; /* names of download folders */
    int fail;     /* XF_DEPS_EINPUT or XF_DEPS_EFETCH once something failed */
};

/* A progress line; `event` is dbt's name for it (cmd/ adds dbt's code). */
static void note(struct ctx *c, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(struct ctx *c, const char *event, const char *fmt, ...)
{
    if (!c->o->note)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *m = xf_arena_vprintf(c->a, fmt, ap);
    va_end(ap);
    c->o->note(c->o->user, event, m);
}

/* Records the first failure's class and returns -1. */
static int fail(struct ctx *c, int cls)
{
    if (!c->fail)
        c->fail = cls;
    return -1;
}

static const char *who(const char *requirer)
{
    return requirer ? requirer : "the project";
}

static const char *kind_word(enum xf_pkg_kind k)
{
    static const char *const w[] = {"local", "git", "tarball", "hub"};
    return w[k];
}

static char *next_dir(struct ctx *c, const char *what)
{
    return xf_arena_printf(c->a, "%s/%s-%u", c->dl, what, ++c->seq);
}

/* ---- identity ---- */

static const char *pkg_key(struct ctx *c, const struct xf_pkg_spec *s)
{
    switch (s->kind) {
    case XF_PKG_HUB:
        return xf_arena_printf(c->a, "hub:%s", s->source);
    case XF_PKG_GIT: {
        /* dbt takes a URL with and without .git as one repository */
        size_t n = strlen(s->source);
        if (n > 4 && !strcmp(s->source + n - 4, ".git"))
            n -= 4;
        return xf_arena_printf(c->a, "git:%.*s/%s", (int)n, s->source,
                               s->subdirectory ? s->subdirectory : "");
    }
    case XF_PKG_LOCAL:
        return xf_arena_printf(c->a, "local:%s", xf_path_join(c->a, c->root, s->source));
    case XF_PKG_TARBALL:
        return xf_arena_printf(c->a, "tarball:%s", s->source);
    }
    return "";
}

static bool looks_like_commit(const char *r)
{
    size_t n = strlen(r);
    if (n < 7 || n > 40)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)r[i]))
            return false;
    }
    return true;
}

/* ---- fetching one package ---- */

static int read_meta(struct ctx *c, struct pkg *p, xf_pkg_specs *deps, const char *display)
{
    struct xf_pkg_project proj;
    int r = xf_pkg_read_project(&proj, c->a, p->dir,
                                xf_arena_printf(c->a, "%s/dbt_project.yml", display), c->d);
    if (r < 0)
        return fail(c, XF_DEPS_EINPUT);
    if (r == 0) {
        struct xf_diag *g =
            xf_diag_add(c->d, XF_SEV_ERROR, p->loc, "%s package '%s' has no dbt_project.yml",
                        kind_word(p->kind),
                        p->subdirectory ? xf_arena_printf(c->a, "%s/%s", p->source, p->subdirectory)
                                        : p->source);
        xf_diag_hint(g, "a package is a dbt project: a folder with a dbt_project.yml%s",
                     p->kind == XF_PKG_GIT ? " (use 'subdirectory:' when it is deeper)" : "");
        return fail(c, XF_DEPS_EINPUT);
    }
    if (!p->name) /* a tarball's name: wins, as in dbt */
        p->name = proj.name;
    const char *file;
    if (deps && xf_pkg_read_packages(deps, &file, c->a, p->dir, display, c->d) < 0)
        return fail(c, XF_DEPS_EINPUT);
    return 0;
}

static int fetch_local(struct ctx *c, struct pkg *p)
{
    char *full = xf_path_join(c->a, c->root, p->source);
    char real[PATH_MAX];
    if (!realpath(full, real) || !xf_is_dir(real)) {
        struct xf_diag *g = xf_diag_add(c->d, XF_SEV_ERROR, p->loc,
                                        "local package path '%s' does not exist", p->source);
        xf_diag_hint(g, "a local: path is relative to the project folder %s", c->root);
        return fail(c, XF_DEPS_EINPUT);
    }
    p->dir = xf_arena_strdup(c->a, real);
    return 0;
}

static int fetch_git(struct ctx *c, struct pkg *p)
{
    char *dir = next_dir(c, "git");
    struct xf_buf out = XF_BUF_INIT, err = XF_BUF_INIT;
    int rc = 1, ret = -1;
    const char *rev = p->revision;
    if (rev && !looks_like_commit(rev)) {
        /* a tag or branch: one shallow clone is all that is needed */
        const char *argv[] = {"git", "clone", "--quiet", "--depth", "1", "--branch",
                              rev,   "--",    p->source, dir,       NULL};
        rc = xf_fetch_git(argv, NULL, NULL, &err);
        if (rc != 0)
            xf_remove_tree(dir);
    }
    if (rc != 0) {
        xf_buf_reset(&err);
        const char *argv[] = {"git", "clone", "--quiet", "--", p->source, dir, NULL};
        rc = xf_fetch_git(argv, NULL, NULL, &err);
        if (rc == 0 && rev) {
            const char *co[] = {
                "git", "-c", "advice.detachedHead=false", "checkout", "--quiet", rev, "--", NULL};
            xf_buf_reset(&err);
            rc = xf_fetch_git(co, dir, NULL, &err);
            if (rc != 0) {
                struct xf_diag *g =
                    xf_diag_add(c->d, XF_SEV_ERROR, p->loc, "git package '%s' has no revision '%s'",
                                p->source, rev);
                xf_diag_hint(g, "revision: is a tag, a branch or a commit of the repository");
                fail(c, XF_DEPS_EINPUT);
                goto done;
            }
        }
    }
    if (rc != 0) {
        while (err.len && (err.ptr[err.len - 1] == '\n' || err.ptr[err.len - 1] == ' '))
            err.ptr[--err.len] = 0;
        const char *nl = strrchr(err.ptr, '\n');
        xf_error(c->d, p->loc, "cannot clone git package '%s': %s", p->source,
                 nl ? nl + 1 : err.ptr);
        fail(c, XF_DEPS_EFETCH);
        goto done;
    }
    const char *rp[] = {"git", "rev-parse", "HEAD", NULL};
    if (xf_fetch_git(rp, dir, &out, NULL) != 0 || out.len < 40) {
        xf_error(c->d, p->loc, "cannot read the commit of git package '%s'", p->source);
        fail(c, XF_DEPS_EFETCH);
        goto done;
    }
    p->version = xf_arena_strndup(c->a, out.ptr, 40);
    xf_remove_tree(xf_path_join(c->a, dir, ".git")); /* the install is a snapshot */
    p->dir = p->subdirectory ? xf_path_join(c->a, dir, p->subdirectory) : dir;
    if (p->subdirectory && !xf_is_dir(p->dir)) {
        struct xf_diag *g =
            xf_diag_add(c->d, XF_SEV_ERROR, p->loc, "git package '%s' has no folder '%s'",
                        p->source, p->subdirectory);
        xf_diag_hint(g, "subdirectory: is a path inside the repository");
        fail(c, XF_DEPS_EINPUT);
        goto done;
    }
    ret = 0;
done:
    xf_buf_release(&out);
    xf_buf_release(&err);
    return ret;
}

/* Downloads and extracts an archive with one top folder; sets p->dir. */
static int fetch_archive(struct ctx *c, struct pkg *p, const char *url)
{
    char *dir = next_dir(c, "tar");
    char *file = xf_arena_printf(c->a, "%s.tar.gz", dir);
    struct xf_buf err = XF_BUF_INIT;
    long status = 0;
    int ret = -1;
    if (xf_fetch_http_file(url, file, &status, &err) < 0) {
        xf_error(c->d, p->loc, "cannot download %s: %s", url, err.ptr);
        fail(c, XF_DEPS_EFETCH);
        goto done;
    }
    if (xf_fetch_untar(file, dir, &err) < 0) {
        xf_error(c->d, p->loc, "cannot unpack %s: %s", url, err.ptr);
        fail(c, XF_DEPS_EFETCH);
        goto done;
    }
    unlink(file);
    DIR *dh = opendir(dir);
    const char *top = NULL;
    size_t n = 0;
    struct dirent *e;
    while (dh && (e = readdir(dh))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        n++;
        top = xf_path_join(c->a, dir, e->d_name);
    }
    if (dh)
        closedir(dh);
    if (n != 1 || !xf_is_dir(top)) {
        struct xf_diag *g = xf_diag_add(c->d, XF_SEV_ERROR, p->loc,
                                        "the archive at %s holds %zu top-level "
                                        "entries, not one folder",
                                        url, n);
        xf_diag_hint(g, "a package archive holds one folder with the dbt_project.yml in it");
        fail(c, XF_DEPS_EINPUT);
        goto done;
    }
    p->dir = top;
    ret = 0;
done:
    xf_buf_release(&err);
    return ret;
}

/* ---- the hub ---- */

static int hub_index(struct ctx *c, struct pkg *p)
{
    if (p->index)
        return 0;
    const char *url = xf_arena_printf(c->a, "%sapi/v1/%s.json", c->hub, p->source);
    struct xf_buf body = XF_BUF_INIT, err = XF_BUF_INIT;
    long status = 0;
    int ret = -1;
    if (xf_fetch_http(&body, url, &status, &err) < 0) {
        if (status == 404) {
            struct xf_diag *g =
                xf_diag_add(c->d, XF_SEV_ERROR, p->loc,
                            "package '%s' is not on the package hub (%s)", p->source, url);
            xf_diag_hint(g, "check the owner/name spelling on the hub");
            fail(c, XF_DEPS_EINPUT);
        } else {
            /* one line: where it failed and what to do without the hub */
            xf_error(c->d, XF_NOLOC,
                     "cannot reach the package hub at %s (%s): to install '%s' without it, "
                     "pin a 'git:' entry with a 'revision:' or a 'tarball:' entry with a "
                     "'name:' in packages.yml",
                     url, err.ptr, p->source);
            fail(c, XF_DEPS_EFETCH);
        }
        goto done;
    }
    json_error_t je;
    p->index = json_loadb(body.ptr, body.len, 0, &je);
    if (!p->index || !json_is_object(json_object_get(p->index, "versions"))) {
        xf_error(c->d, XF_NOLOC, "the package hub sent no package versions at %s", url);
        fail(c, XF_DEPS_EFETCH);
        goto done;
    }
    ret = 0;
done:
    xf_buf_release(&body);
    xf_buf_release(&err);
    return ret;
}

static const char *reqs_text(struct ctx *c, const struct pkg *p)
{
    struct xf_buf b = XF_BUF_INIT;
    for (size_t i = 0; i < p->reqs.n; i++)
        xf_buf_addf(&b, "%s%s", i ? ", " : "", p->reqs.v[i].text);
    char *s = xf_arena_strdup(c->a, b.ptr);
    xf_buf_release(&b);
    return s;
}

static int enqueue_json_deps(struct ctx *c, struct pkg *p, json_t *meta, xf_pkg_specs *deps);

/* Picks the newest version every requirement allows; 1 when it changed. */
static int hub_pick(struct ctx *c, struct pkg *p, xf_pkg_specs *deps)
{
    for (size_t i = 0; i < p->reqs.n; i++) {
        for (size_t j = 0; j < i; j++) {
            const struct req *x = &p->reqs.v[j], *y = &p->reqs.v[i];
            if (xf_semver_compatible(&x->r, &y->r))
                continue;
            const struct req *at = y->requirer && !x->requirer ? x : y;
            struct xf_diag *g =
                xf_diag_add(c->d, XF_SEV_ERROR, at->loc,
                            "no version of '%s' satisfies both %s (%s) and %s (%s)", p->source,
                            who(x->requirer), x->text, who(y->requirer), y->text);
            xf_diag_hint(g, "change one of the two version ranges so that they overlap");
            return fail(c, XF_DEPS_EINPUT);
        }
    }
    if (hub_index(c, p) < 0)
        return -1;
    bool pre = p->install_prerelease;
    for (size_t i = 0; i < p->reqs.n; i++)
        pre = pre || p->reqs.v[i].r.v.pre;
    json_t *versions = json_object_get(p->index, "versions");
    const char *best = NULL, *latest = NULL;
    struct xf_semver bv = {0}, lv = {0};
    struct xf_buf avail = XF_BUF_INIT;
    const char *key;
    json_t *val;
    json_object_foreach(versions, key, val)
    {
        struct xf_semver v;
        if (xf_semver_parse(&v, key) < 0 || (v.pre && !pre))
            continue;
        xf_buf_addf(&avail, "%s%s", avail.len ? ", " : "", key);
        if (!latest || xf_semver_cmp(&v, &lv) > 0)
            latest = key, lv = v;
        bool ok = true;
        for (size_t i = 0; i < p->reqs.n && ok; i++)
            ok = xf_semver_satisfies(&v, &p->reqs.v[i].r);
        if (ok && (!best || xf_semver_cmp(&v, &bv) > 0))
            best = key, bv = v;
    }
    if (!best) {
        const struct req *at = &p->reqs.v[0];
        struct xf_diag *g =
            xf_diag_add(c->d, XF_SEV_ERROR, at->loc, "no version of '%s' satisfies %s", p->source,
                        reqs_text(c, p));
        xf_diag_hint(g, "the hub has %s", avail.len ? avail.ptr : "no installable version");
        xf_buf_release(&avail);
        return fail(c, XF_DEPS_EINPUT);
    }
    xf_buf_release(&avail);
    p->latest = xf_arena_strdup(c->a, latest);
    if (p->version && !strcmp(p->version, best))
        return 0;
    p->version = xf_arena_strdup(c->a, best);
    json_t *meta = json_object_get(versions, best);
    const char *name = json_string_value(json_object_get(meta, "name"));
    const char *tar =
        json_string_value(json_object_get(json_object_get(meta, "downloads"), "tarball"));
    if (!name || !tar) {
        xf_error(c->d, p->loc, "the package hub lists '%s' %s without a name or a download",
                 p->source, best);
        return fail(c, XF_DEPS_EFETCH);
    }
    p->name = xf_arena_strdup(c->a, name);
    p->tarball = xf_arena_strdup(c->a, tar);
    p->dir = NULL;
    if (deps && enqueue_json_deps(c, p, meta, deps) < 0)
        return -1;
    return 1;
}

static int enqueue_json_deps(struct ctx *c, struct pkg *p, json_t *meta, xf_pkg_specs *deps)
{
    json_t *list = json_object_get(meta, "packages");
    if (!json_is_array(list) || json_array_size(list) == 0)
        return 0;
    json_t *wrap = json_pack("{s:O}", "packages", list);
    char *text = json_dumps(wrap, JSON_INDENT(2));
    json_decref(wrap);
    struct xf_source *src = XF_ANEW(c->a, struct xf_source);
    src->path = xf_arena_printf(c->a, "%s%s/%s.json", c->hub, p->source, p->version);
    src->text = xf_arena_strdup(c->a, text);
    src->len = strlen(text);
    free(text);
    if (xf_pkg_parse_source(deps, c->a, src, c->d) < 0)
        return fail(c, XF_DEPS_EINPUT);
    return 0;
}

/* ---- resolution ---- */

struct item {
    const struct xf_pkg_spec *spec;
    const char *requirer;
    struct xf_loc root_loc;
};
typedef XF_VEC(struct item) queue;

static int add_req(struct ctx *c, struct pkg *p, const struct item *it)
{
    for (size_t i = 0; i < it->spec->versions.n; i++) {
        struct req r = {it->spec->versions.v[i], it->requirer, it->root_loc, {0}};
        if (xf_semver_req_parse(&r.r, r.text) < 0)
            return fail(c, XF_DEPS_EINPUT); /* checked when read */
        xf_avec_push(c->a, &p->reqs, r);
    }
    p->install_prerelease = p->install_prerelease || it->spec->install_prerelease;
    return 0;
}

static void push_all(struct ctx *c, queue *q, const xf_pkg_specs *deps, const char *requirer,
                     struct xf_loc root_loc)
{
    for (size_t i = 0; i < deps->n; i++)
        xf_avec_push(c->a, q, ((struct item){&deps->v[i], requirer, root_loc}));
}

/* Incorporates one entry; new packages are pinned and their own packages queued. */
static int incorporate(struct ctx *c, queue *q, const struct item *it)
{
    const struct xf_pkg_spec *s = it->spec;
    const char *key = pkg_key(c, s);
    struct pkg *p = NULL;
    for (size_t i = 0; i < c->pkgs.n && !p; i++) {
        if (!strcmp(c->pkgs.v[i]->key, key))
            p = c->pkgs.v[i];
    }
    xf_pkg_specs *deps = XF_ANEW(c->a, xf_pkg_specs);
    if (p) {
        if (s->kind == XF_PKG_GIT) {
            const char *a = p->revision ? p->revision : "HEAD";
            const char *b = s->revision ? s->revision : "HEAD";
            if (strcmp(a, b)) {
                struct xf_diag *g = xf_diag_add(
                    c->d, XF_SEV_ERROR, it->root_loc,
                    "git package '%s' is asked for at two revisions: '%s' by %s and '%s' by %s",
                    s->source, a, who(p->requirer), b, who(it->requirer));
                xf_diag_hint(g, "ask for one revision in both places");
                return fail(c, XF_DEPS_EINPUT);
            }
            p->warn_unpinned = p->warn_unpinned && s->warn_unpinned;
        }
        if (s->kind != XF_PKG_HUB)
            return 0;
        if (add_req(c, p, it) < 0)
            return -1;
        int r = hub_pick(c, p, deps);
        if (r < 0)
            return -1;
        push_all(c, q, deps, p->name, p->loc);
        return 0;
    }
    p = XF_ANEW(c->a, struct pkg);
    p->kind = s->kind;
    p->key = key;
    p->source = s->source;
    p->subdirectory = s->subdirectory;
    p->revision = s->revision;
    p->warn_unpinned = s->warn_unpinned;
    p->requirer = it->requirer;
    p->loc = it->root_loc;
    p->name = s->kind == XF_PKG_TARBALL ? s->name : NULL;
    xf_vec_push(&c->pkgs, p);
    const char *display = s->source;
    switch (s->kind) {
    case XF_PKG_HUB:
        if (add_req(c, p, it) < 0 || hub_pick(c, p, deps) < 0)
            return -1;
        break;
    case XF_PKG_LOCAL:
        if (fetch_local(c, p) < 0 || read_meta(c, p, deps, display) < 0)
            return -1;
        break;
    case XF_PKG_GIT:
        if (fetch_git(c, p) < 0)
            return -1;
        if (p->subdirectory)
            display = xf_arena_printf(c->a, "%s/%s", s->source, p->subdirectory);
        if (read_meta(c, p, deps, display) < 0)
            return -1;
        if (p->warn_unpinned &&
            (!p->revision || !strcmp(p->revision, "main") || !strcmp(p->revision, "master"))) {
            struct xf_diag *g = xf_diag_add(
                c->d, XF_SEV_WARNING, s->loc, "git package '%s' is %s", s->source,
                p->revision ? xf_arena_printf(c->a, "pinned to the '%s' branch", p->revision)
                            : "not pinned, using HEAD (the default branch)");
            xf_diag_hint(g, "this can bring breaking changes without warning: set 'revision:' "
                            "to a tag or a commit, or 'warn-unpinned: false'");
        }
        break;
    case XF_PKG_TARBALL:
        if (fetch_archive(c, p, p->source) < 0 || read_meta(c, p, deps, display) < 0)
            return -1;
        break;
    }
    push_all(c, q, deps, p->name, it->root_loc);
    return 0;
}

/* A name becomes a folder under the install path: nothing else may get through. */
static int check_name(struct ctx *c, const struct pkg *p)
{
    if (xf_pkg_valid_name(p->name))
        return 0;
    struct xf_diag *g = xf_diag_add(c->d, XF_SEV_ERROR, p->loc,
                                    "%s package '%s' is named '%s', not a valid "
                                    "project name",
                                    kind_word(p->kind), p->source, p->name ? p->name : "");
    xf_diag_hint(g, "a project name has letters, digits and '_', and does not start with a digit");
    return fail(c, XF_DEPS_EINPUT);
}

static int check_names(struct ctx *c)
{
    for (size_t i = 0; i < c->pkgs.n; i++) {
        const struct pkg *p = c->pkgs.v[i];
        if (check_name(c, p) < 0)
            return -1;
        if (c->root_name && !strcmp(p->name, c->root_name)) {
            struct xf_diag *g =
                xf_diag_add(c->d, XF_SEV_ERROR, p->loc,
                            "package '%s' has the name of the project, '%s'", p->source, p->name);
            xf_diag_hint(g, "package names must differ from the project's; rename one of them");
            return fail(c, XF_DEPS_EINPUT);
        }
        for (size_t j = 0; j < i; j++) {
            const struct pkg *o = c->pkgs.v[j];
            if (strcmp(o->name, p->name))
                continue;
            struct xf_diag *g = xf_diag_add(
                c->d, XF_SEV_ERROR, p->loc, "two packages are named '%s': %s '%s' and %s '%s'",
                p->name, kind_word(o->kind), o->source, kind_word(p->kind), p->source);
            xf_diag_hint(g, "each installs into %s/%s: keep one of them", c->install_rel, p->name);
            return fail(c, XF_DEPS_EINPUT);
        }
    }
    return 0;
}

static int resolve(struct ctx *c, const xf_pkg_specs *root)
{
    queue q = {0};
    for (size_t i = 0; i < root->n; i++)
        xf_avec_push(c->a, &q, ((struct item){&root->v[i], NULL, root->v[i].loc}));
    for (size_t i = 0; i < q.n; i++) {
        struct item it = q.v[i]; /* incorporate() may grow q */
        if (incorporate(c, &q, &it) < 0)
            return -1;
    }
    return check_names(c);
}

/* ---- from the lock ---- */

static void from_lock(struct ctx *c, const struct xf_pkg_lock *lock)
{
    for (size_t i = 0; i < lock->packages.n; i++) {
        const struct xf_pkg_spec *s = &lock->packages.v[i];
        struct pkg *p = XF_ANEW(c->a, struct pkg);
        p->kind = s->kind;
        p->source = s->source;
        p->subdirectory = s->subdirectory;
        p->revision = s->revision;
        p->version = s->kind == XF_PKG_HUB ? s->versions.v[0] : s->revision;
        p->name = s->name;
        p->loc = s->loc;
        p->from_lock = true;
        xf_vec_push(&c->pkgs, p);
    }
}

/* Fetches a package pinned by the lock (nothing was fetched while resolving). */
static int fetch_pinned(struct ctx *c, struct pkg *p)
{
    switch (p->kind) {
    case XF_PKG_LOCAL:
        return fetch_local(c, p) < 0 ? -1 : read_meta(c, p, NULL, p->source);
    case XF_PKG_GIT:
        if (fetch_git(c, p) < 0)
            return -1;
        return read_meta(c, p, NULL, p->source);
    case XF_PKG_TARBALL:
        if (fetch_archive(c, p, p->source) < 0)
            return -1;
        return read_meta(c, p, NULL, p->source);
    case XF_PKG_HUB: {
        if (!p->tarball) {
            if (hub_index(c, p) < 0)
                return -1;
            json_t *meta = json_object_get(json_object_get(p->index, "versions"), p->version);
            const char *tar =
                json_string_value(json_object_get(json_object_get(meta, "downloads"), "tarball"));
            if (!tar) {
                struct xf_diag *g =
                    xf_diag_add(c->d, XF_SEV_ERROR, p->loc,
                                "the package hub has no version %s of '%s'", p->version, p->source);
                xf_diag_hint(g, "run 'xform deps --upgrade' to resolve packages.yml again");
                return fail(c, XF_DEPS_EINPUT);
            }
            p->tarball = xf_arena_strdup(c->a, tar);
            if (!p->name)
                p->name = json_string_value(json_object_get(meta, "name"));
        }
        if (fetch_archive(c, p, p->tarball) < 0)
            return -1;
        return read_meta(c, p, NULL, p->source);
    }
    }
    return 0;
}

/* ---- installing ---- */

/* The pin an installed folder was made from: equal pins need no new fetch. */
static const char *pin_of(struct ctx *c, const struct pkg *p)
{
    return xf_arena_printf(c->a, "%s %s %s %s", kind_word(p->kind), p->source,
                           p->version ? p->version : "", p->subdirectory ? p->subdirectory : "");
}

/* `to` relative to the folder `from` (both absolute, without symlinks). */
static char *relative(struct xf_arena *a, const char *from, const char *to)
{
    /* the longest common prefix that ends at a component boundary in both */
    size_t i = 0, common = 0;
    while (from[i] && from[i] == to[i]) {
        i++;
        if ((from[i] == '/' || !from[i]) && (to[i] == '/' || !to[i]))
            common = i;
    }
    struct xf_buf b = XF_BUF_INIT;
    for (const char *s = from + common; *s; s++) {
        if (*s == '/')
            xf_buf_adds(&b, b.len ? "/.." : "..");
    }
    const char *rest = to + common;
    while (*rest == '/')
        rest++;
    if (*rest)
        xf_buf_addf(&b, "%s%s", b.len ? "/" : "", rest);
    if (!b.len)
        xf_buf_addch(&b, '.');
    char *r = xf_arena_strdup(a, b.ptr);
    xf_buf_release(&b);
    return r;
}

static int stage(struct ctx *c, struct pkg *p, const char **out)
{
    char *dst = xf_arena_printf(c->a, "%s/stage-%s", c->dl, p->name);
    if (p->kind == XF_PKG_LOCAL) {
        /* a symlink, as dbt makes: edits to the package show at once */
        char *target = relative(c->a, c->install, p->dir);
        if (symlink(target, dst) < 0) {
            xf_error(c->d, p->loc, "cannot link %s to %s: %s", dst, target, strerror(errno));
            return fail(c, XF_DEPS_EFETCH);
        }
    } else if (rename(p->dir, dst) < 0) {
        xf_error(c->d, p->loc, "cannot move %s to %s: %s", p->dir, dst, strerror(errno));
        return fail(c, XF_DEPS_EFETCH);
    }
    *out = dst;
    return 0;
}

static const char *installed_from(struct ctx *c, const struct pkg *p)
{
    switch (p->kind) {
    case XF_PKG_HUB:
        return xf_arena_printf(c->a, "version %s", p->version);
    case XF_PKG_GIT:
        return xf_arena_printf(c->a, "revision %s", p->version);
    case XF_PKG_LOCAL:
        return xf_arena_printf(c->a, "<local @ %s>", p->source);
    case XF_PKG_TARBALL:
        return xf_arena_printf(c->a, "tarball (url: %s)", p->source);
    }
    return "";
}

static char *old_path(struct ctx *c, const struct pkg *p)
{
    return xf_arena_printf(c->a, "%s/old-%s", c->dl, p->name);
}

/* Moves the installed folder (if any) aside and the staged one in. */
static int swap_in(struct ctx *c, const struct pkg *p, const char *staged)
{
    char *target = xf_path_join(c->a, c->install, p->name);
    struct stat st;
    bool had = lstat(target, &st) == 0;
    if (had && rename(target, old_path(c, p)) < 0) {
        xf_error(c->d, p->loc, "cannot replace %s: %s", target, strerror(errno));
        return fail(c, XF_DEPS_EFETCH);
    }
    if (rename(staged, target) < 0) {
        xf_error(c->d, p->loc, "cannot install %s: %s", target, strerror(errno));
        if (had)
            rename(old_path(c, p), target);
        return fail(c, XF_DEPS_EFETCH);
    }
    return 0;
}

/* Undoes swap_in(): the new folder goes to the temporary one, the old comes back. */
static void swap_back(struct ctx *c, const struct pkg *p)
{
    char *target = xf_path_join(c->a, c->install, p->name);
    rename(target, xf_arena_printf(c->a, "%s/undone-%s", c->dl, p->name));
    struct stat st;
    if (lstat(old_path(c, p), &st) == 0)
        rename(old_path(c, p), target);
}

static int install(struct ctx *c)
{
    int err = 0;
    json_t *state = NULL, *next = json_object();
    json_error_t je;
    state = json_load_file(xf_path_join(c->a, c->install, STATE_FILE), 0, &je);
    const char **staged = XF_ANEWN(c->a, const char *, c->pkgs.n + 1);
    struct xf_buf updates = XF_BUF_INIT;
    for (size_t i = 0; i < c->pkgs.n; i++) {
        struct pkg *p = c->pkgs.v[i];
        const char *pin = pin_of(c, p);
        if (p->name && check_name(c, p) < 0) { /* a lock can be edited by hand */
            err = -1;
            goto done;
        }
        const char *target = p->name ? xf_path_join(c->a, c->install, p->name) : NULL;
        note(c, "DepsStartPackageInstall", "Installing %s", p->source);
        if (p->kind != XF_PKG_LOCAL && target && xf_is_dir(target) &&
            json_string_value(json_object_get(state, p->name)) &&
            !strcmp(json_string_value(json_object_get(state, p->name)), pin)) {
            json_object_set_new(next, p->name, json_string(pin));
            note(c, "DepsInstallInfo", "Installed from %s (already in place)",
                 installed_from(c, p));
            continue;
        }
        if ((!p->dir && fetch_pinned(c, p) < 0) || check_name(c, p) < 0) {
            err = -1;
            goto done;
        }
        if (stage(c, p, &staged[i]) < 0) {
            err = -1;
            goto done;
        }
        if (p->kind != XF_PKG_LOCAL)
            json_object_set_new(next, p->name, json_string(pin));
        note(c, "DepsInstallInfo", "Installed from %s", installed_from(c, p));
        if (p->kind == XF_PKG_HUB && p->latest && strcmp(p->latest, p->version)) {
            note(c, "DepsUpdateAvailable", "Updated version available: %s", p->latest);
            xf_buf_addf(&updates, "%s%s", updates.len ? ", " : "", p->source);
        } else if (p->kind == XF_PKG_HUB && p->latest)
            note(c, "DepsUpToDate", "Up to date!");
        if (p->subdirectory)
            note(c, "DepsListSubdirectory", "and subdirectory %s", p->subdirectory);
    }
    if (updates.len)
        note(c, "DepsNotifyUpdatesAvailable",
             "Updates available for packages: %s; update their versions in packages.yml, then "
             "run xform deps",
             updates.ptr);
    /* everything is here: swap each package in (the old one out first) */
    for (size_t i = 0; i < c->pkgs.n; i++) {
        if (staged[i] && swap_in(c, c->pkgs.v[i], staged[i]) < 0) {
            while (i-- > 0) { /* put back what this run already swapped */
                if (staged[i])
                    swap_back(c, c->pkgs.v[i]);
            }
            err = -1;
            goto done;
        }
    }
    /* what the lock no longer names goes, as dbt empties the folder */
    DIR *dh = opendir(c->install);
    struct dirent *e;
    while (dh && (e = readdir(dh))) {
        if (e->d_name[0] == '.')
            continue;
        bool keep = false;
        for (size_t i = 0; i < c->pkgs.n && !keep; i++)
            keep = !strcmp(c->pkgs.v[i]->name, e->d_name);
        if (!keep)
            xf_remove_tree(xf_path_join(c->a, c->install, e->d_name));
    }
    if (dh)
        closedir(dh);
    char *sp = xf_path_join(c->a, c->install, STATE_FILE);
    char *tmp = xf_arena_printf(c->a, "%s/state.json", c->dl);
    if (json_dump_file(next, tmp, JSON_SORT_KEYS | JSON_INDENT(2)) == 0)
        rename(tmp, sp);
done:
    xf_buf_release(&updates);
    json_decref(state);
    json_decref(next);
    return err;
}

/* ---- the command ---- */

static const char *hub_base(struct ctx *c)
{
    const char *h = c->o->hub_url && *c->o->hub_url ? c->o->hub_url : DEFAULT_HUB;
    size_t n = strlen(h);
    return n && h[n - 1] == '/' ? h : xf_arena_printf(c->a, "%s/", h);
}

static int write_lock(struct ctx *c, const char *hash)
{
    struct xf_pkg_spec *pinned = XF_ANEWN(c->a, struct xf_pkg_spec, c->pkgs.n + 1);
    for (size_t i = 0; i < c->pkgs.n; i++) {
        const struct pkg *p = c->pkgs.v[i];
        struct xf_pkg_spec *s = &pinned[i];
        s->kind = p->kind;
        s->source = p->source;
        s->name = p->name;
        s->subdirectory = p->subdirectory;
        s->revision = p->version;
        if (p->kind == XF_PKG_HUB)
            xf_avec_push(c->a, &s->versions, p->version);
    }
    int werr = xf_pkg_write_lock(c->root, pinned, c->pkgs.n, hash);
    if (werr < 0) {
        xf_error(c->d, XF_NOLOC, "cannot write %s/package-lock.yml: %s", c->root, strerror(-werr));
        fail(c, XF_DEPS_EFETCH);
        return -1;
    }
    note(c, "DepsLockUpdating", "Updating lock file in file path: %s/package-lock.yml", c->root);
    return 0;
}

int xf_deps_run(const struct xf_deps_opts *o, struct xf_arena *a, struct xf_diags *d)
{
    struct ctx c = {.o = o, .a = a, .d = d};
    c.hub = hub_base(&c);
    char real[PATH_MAX];
    const char *dir = o->project_dir ? o->project_dir : ".";
    if (!realpath(dir, real)) {
        xf_error(d, XF_NOLOC, "cannot open the project folder %s: %s", dir, strerror(errno));
        return XF_DEPS_EINPUT;
    }
    c.root = xf_arena_strdup(a, real);
    struct xf_pkg_project proj;
    int r = xf_pkg_read_project(&proj, a, c.root, "dbt_project.yml", d);
    if (r <= 0) {
        if (r == 0) {
            struct xf_diag *g =
                xf_diag_add(d, XF_SEV_ERROR, XF_NOLOC, "no dbt_project.yml in %s", c.root);
            xf_diag_hint(g, "run deps in a project folder or give --project-dir");
        }
        return XF_DEPS_EINPUT;
    }
    c.root_name = proj.name;
    c.install = xf_path_join(a, c.root, proj.install_path);
    c.install_rel = proj.install_path;

    if (o->add_package && xf_pkg_add(c.root, o->add_package, o->source, a, d, o->note, o->user) < 0)
        return XF_DEPS_EINPUT;
    xf_pkg_specs specs = {0};
    const char *file = NULL;
    if (xf_pkg_read_packages(&specs, &file, a, c.root, "", d) < 0)
        return XF_DEPS_EINPUT;
    if (!specs.n) {
        note(&c, "DepsNoPackagesFound", "Warning: No packages were found in %s",
             file ? file : "packages.yml");
        return 0;
    }
    char hash[41];
    xf_pkg_hash(hash, &specs);
    struct xf_pkg_lock lock;
    int have_lock = xf_pkg_read_lock(&lock, a, c.root, d);
    if (have_lock < 0)
        return XF_DEPS_EINPUT;
    bool resolving =
        !have_lock || o->upgrade || !lock.sha1_hash || strcmp(lock.sha1_hash, hash) != 0;

    /* downloads go next to the install (one rename moves them in), or to
       the temporary folder when nothing is installed */
    const char *base = o->lock_only ? (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp") : c.install;
    bool made_install = !o->lock_only && !xf_is_dir(c.install);
    if (!o->lock_only && xf_mkdirs(c.install) < 0) {
        xf_error(d, XF_NOLOC, "cannot create %s: %s", c.install, strerror(errno));
        return XF_DEPS_EFETCH;
    }
    char *tmpl = xf_arena_printf(a, "%s/.xform-tmp-XXXXXX", base);
    if (!mkdtemp(tmpl)) {
        xf_error(d, XF_NOLOC, "cannot create a folder in %s: %s", base, strerror(errno));
        return XF_DEPS_EFETCH;
    }
    c.dl = tmpl;
    int ret = 0;
    if (resolving) {
        if (resolve(&c, &specs) < 0)
            goto done;
    } else {
        from_lock(&c, &lock);
    }
    /* the lock is written last: a failure leaves the old lock with the old install */
    if (!o->lock_only && install(&c) < 0)
        goto done;
    if (resolving)
        write_lock(&c, hash);
done:
    ret = c.fail;
    for (size_t i = 0; i < c.pkgs.n; i++)
        json_decref(c.pkgs.v[i]->index);
    xf_vec_release(&c.pkgs);
    xf_remove_tree(c.dl);
    if (c.fail && made_install)
        rmdir(c.install); /* only when empty: an install that was not there stays away */
    return ret;
}
