// SPDX-License-Identifier: MIT
/*
 * The files of `deps`: packages.yml / dependencies.yml (what the project
 * asks for), package-lock.yml (what that resolved to, with dbt's
 * sha1_hash of the request) and the two keys of dbt_project.yml deps
 * needs. Every entry is checked here, so a wrong file fails before
 * anything is fetched.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deps/deps.h"
#include "util/path.h"

/* Reads `dir/name` as a located source; NULL when the file does not exist. */
static const struct xf_source *load(struct xf_arena *a, const char *dir, const char *name,
                                    const char *display)
{
    char *full = xf_path_join(a, dir, name);
    struct xf_buf b = XF_BUF_INIT;
    if (xf_read_file(&b, full) < 0) {
        xf_buf_release(&b);
        return NULL;
    }
    struct xf_source *src = XF_ANEW(a, struct xf_source);
    src->path = display ? xf_arena_strdup(a, display) : full;
    src->len = b.len;
    src->text = xf_arena_strndup(a, b.ptr, b.len);
    xf_buf_release(&b);
    return src;
}

static const char *scalar(struct xf_arena *a, const struct xf_ynode *n)
{
    return n && n->kind == XF_Y_SCALAR ? xf_arena_strdups(a, n->str) : NULL;
}

static int want_scalar(const struct xf_ynode *key, const struct xf_ynode *val, struct xf_diags *d)
{
    if (val->kind == XF_Y_SCALAR && !xf_ynode_is_null(val))
        return 0;
    struct xf_diag *g = xf_diag_add(d, XF_SEV_ERROR, val->kind == XF_Y_SCALAR ? key->loc : val->loc,
                                    "'%.*s' needs a text value", XF_STR_ARG(key->str));
    xf_diag_hint(g, "write it as '%.*s: value'", XF_STR_ARG(key->str));
    return -1;
}

static bool is_true(const struct xf_ynode *n)
{
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "on", NULL};
    for (size_t i = 0; yes[i]; i++) {
        if (xf_str_eqc(n->str, yes[i]))
            return true;
    }
    return false;
}

static const char *const source_keys[] = {"local", "git", "tarball", "package", "private", NULL};

static const char *allowed_keys(enum xf_pkg_kind k)
{
    switch (k) {
    case XF_PKG_LOCAL:
        return "local";
    case XF_PKG_GIT:
        return "git, revision, subdirectory and warn-unpinned";
    case XF_PKG_TARBALL:
        return "tarball and name";
    case XF_PKG_HUB:
        return "package, version and install_prerelease";
    }
    return "";
}

static int check_version(const struct xf_ynode *v, const char *pkg, struct xf_diags *d)
{
    struct xf_semver_req r;
    if (xf_semver_req_parse(&r, v->str.p) == 0)
        return 0;
    struct xf_diag *g =
        xf_diag_add(d, XF_SEV_ERROR, v->loc, "'%.*s' is not a version of hub package '%s'",
                    XF_STR_ARG(v->str), pkg);
    xf_diag_hint(g, "write major.minor.patch, optionally after >=, >, <= or <: "
                    "'1.1.1' or [\">=1.0.0\", \"<2.0.0\"]");
    return -1;
}

bool xf_pkg_safe_path(const char *s)
{
    if (!*s || *s == '/')
        return false;
    for (const char *p = s; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return false;
        p += n;
        while (*p == '/')
            p++;
    }
    return true;
}

bool xf_pkg_valid_name(const char *s)
{
    if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    for (; *s; s++) {
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return false;
    }
    return true;
}

/* One entry: `in_lock` also takes `name:` (the lock records every package's name). */
static int parse_entry(struct xf_pkg_spec *s, struct xf_arena *a, const struct xf_ynode *e,
                       bool in_lock, struct xf_diags *d)
{
    memset(s, 0, sizeof *s);
    s->warn_unpinned = true;
    s->loc = e->loc;
    if (e->kind != XF_Y_MAP) {
        struct xf_diag *g =
            xf_diag_add(d, XF_SEV_ERROR, e->loc, "a package entry must be a mapping");
        xf_diag_hint(g, "e.g. '- package: dbt-labs/dbt_utils' then 'version: 1.1.1' below it");
        return -1;
    }
    for (size_t i = 0; i < e->n; i++) {
        const struct xf_ynode *v = e->items[i];
        if (v && v->kind == XF_Y_SCALAR && memmem(v->str.p, v->str.len, "{{", 2)) {
            struct xf_diag *g = xf_diag_add(d, XF_SEV_ERROR, v->loc,
                                            "jinja in package entries is not rendered by xform");
            xf_diag_hint(g, "write the value itself (env_var() and var() are not read here)");
            return -1;
        }
    }
    /* the source first: it decides which keys the entry may have */
    const struct xf_ynode *src_key = NULL;
    for (size_t i = 0; i < e->n; i++) {
        for (size_t k = 0; source_keys[k]; k++) {
            if (!xf_str_eqc(e->keys[i]->str, source_keys[k]))
                continue;
            if (src_key) {
                struct xf_diag *g = xf_diag_add(
                    d, XF_SEV_ERROR, e->keys[i]->loc, "package entry has both '%.*s' and '%.*s'",
                    XF_STR_ARG(src_key->str), XF_STR_ARG(e->keys[i]->str));
                xf_diag_hint(g, "one entry installs one package: split it into two entries");
                return -1;
            }
            src_key = e->keys[i];
            if (want_scalar(e->keys[i], e->items[i] ? e->items[i] : e->keys[i], d) < 0)
                return -1;
            s->source = scalar(a, e->items[i]);
            s->kind = k == 0   ? XF_PKG_LOCAL
                      : k == 1 ? XF_PKG_GIT
                      : k == 2 ? XF_PKG_TARBALL
                               : XF_PKG_HUB;
            if (k == 4) {
                struct xf_diag *g = xf_diag_add(d, XF_SEV_ERROR, e->keys[i]->loc,
                                                "'private' packages are not supported");
                xf_diag_hint(g, "give the repository as a 'git:' entry with a 'revision:'");
                return -1;
            }
            s->loc = e->keys[i]->loc;
        }
    }
    if (!src_key) {
        struct xf_diag *g =
            xf_diag_add(d, XF_SEV_ERROR, e->loc, "package entry names no package to install");
        xf_diag_hint(g, "give one of 'package:' (the hub), 'git:', 'local:' or 'tarball:'");
        return -1;
    }
    const struct xf_ynode *version = NULL;
    for (size_t i = 0; i < e->n; i++) {
        const struct xf_ynode *key = e->keys[i], *val = e->items[i];
        struct xf_str k = key->str;
        if (key == src_key)
            continue;
        if (in_lock && xf_str_eqc(k, "name")) {
            if (want_scalar(key, val, d) < 0)
                return -1;
            s->name = scalar(a, val);
        } else if (s->kind == XF_PKG_GIT && xf_str_eqc(k, "revision")) {
            if (want_scalar(key, val, d) < 0)
                return -1;
            s->revision = scalar(a, val);
        } else if (s->kind == XF_PKG_GIT && xf_str_eqc(k, "subdirectory")) {
            if (want_scalar(key, val, d) < 0)
                return -1;
            s->subdirectory = scalar(a, val);
        } else if (s->kind == XF_PKG_GIT &&
                   (xf_str_eqc(k, "warn-unpinned") || xf_str_eqc(k, "warn_unpinned"))) {
            if (want_scalar(key, val, d) < 0)
                return -1;
            s->warn_unpinned = is_true(val);
        } else if (s->kind == XF_PKG_TARBALL && xf_str_eqc(k, "name")) {
            if (want_scalar(key, val, d) < 0)
                return -1;
            s->name = scalar(a, val);
        } else if (s->kind == XF_PKG_HUB && xf_str_eqc(k, "version")) {
            version = val;
            s->version_loc = val->loc;
        } else if (s->kind == XF_PKG_HUB &&
                   (xf_str_eqc(k, "install_prerelease") || xf_str_eqc(k, "install-prerelease"))) {
            if (want_scalar(key, val, d) < 0)
                return -1;
            s->install_prerelease = is_true(val);
        } else {
            struct xf_diag *g =
                xf_diag_add(d, XF_SEV_ERROR, key->loc, "unknown key '%.*s' in a %.*s package entry",
                            XF_STR_ARG(k), XF_STR_ARG(src_key->str));
            xf_diag_hint(g, "a %.*s entry takes %s", XF_STR_ARG(src_key->str),
                         allowed_keys(s->kind));
            return -1;
        }
    }
    if (s->kind == XF_PKG_HUB) {
        if (!strchr(s->source, '/')) {
            struct xf_diag *g =
                xf_diag_add(d, XF_SEV_ERROR, s->loc, "'%s' is not a hub package name", s->source);
            xf_diag_hint(g, "hub packages are named owner/name, e.g. dbt-labs/dbt_utils");
            return -1;
        }
        if (!version || xf_ynode_is_null(version) ||
            (version->kind == XF_Y_SEQ && version->n == 0)) {
            struct xf_diag *g = xf_diag_add(d, XF_SEV_ERROR, version ? version->loc : s->loc,
                                            "hub package '%s' has no version", s->source);
            xf_diag_hint(g, "add 'version: 1.2.3' or a range, e.g. version: [\">=1.0.0\", "
                            "\"<2.0.0\"]; the hub lists a package's versions");
            return -1;
        }
        if (version->kind == XF_Y_MAP) {
            struct xf_diag *g =
                xf_diag_add(d, XF_SEV_ERROR, version->loc,
                            "the version of '%s' must be text or a list", s->source);
            xf_diag_hint(g, "e.g. version: [\">=1.0.0\", \"<2.0.0\"]");
            return -1;
        }
        s->version_list = version->kind == XF_Y_SEQ;
        size_t n = s->version_list ? version->n : 1;
        for (size_t i = 0; i < n; i++) {
            const struct xf_ynode *v = s->version_list ? version->items[i] : version;
            if (v->kind != XF_Y_SCALAR) {
                xf_error(d, v->loc, "a version range must be text, e.g. \">=1.0.0\"");
                return -1;
            }
            if (check_version(v, s->source, d) < 0)
                return -1;
            xf_avec_push(a, &s->versions, scalar(a, v));
        }
    }
    if (s->revision && s->revision[0] == '-') {
        xf_error(d, s->loc, "git revision '%s' cannot start with '-'", s->revision);
        return -1;
    }
    if (s->subdirectory && !xf_pkg_safe_path(s->subdirectory)) {
        struct xf_diag *g =
            xf_diag_add(d, XF_SEV_ERROR, s->loc,
                        "subdirectory '%s' is not a folder inside the repository", s->subdirectory);
        xf_diag_hint(g, "give a relative path without '..', e.g. 'subdirectory: packages/core'");
        return -1;
    }
    if (s->kind == XF_PKG_TARBALL && !s->name && !in_lock) {
        struct xf_diag *g =
            xf_diag_add(d, XF_SEV_ERROR, s->loc, "tarball package '%s' has no name", s->source);
        xf_diag_hint(g, "add 'name: <the package's project name>' below it");
        return -1;
    }
    return 0;
}

/* The `packages:` list of a parsed file; other top-level keys are errors (or warned). */
static int parse_list(xf_pkg_specs *out, struct xf_arena *a, const struct xf_ynode *root,
                      bool in_lock, const char **hash, struct xf_diags *d)
{
    int err = 0;
    if (root->kind != XF_Y_MAP) {
        xf_error(d, root->loc, "expected a mapping with a 'packages:' list");
        return -1;
    }
    for (size_t i = 0; i < root->n; i++) {
        const struct xf_ynode *key = root->keys[i], *val = root->items[i];
        if (xf_str_eqc(key->str, "packages")) {
            if (xf_ynode_is_null(val))
                continue;
            if (val->kind != XF_Y_SEQ) {
                struct xf_diag *g =
                    xf_diag_add(d, XF_SEV_ERROR, val->loc, "'packages' must be a list");
                xf_diag_hint(g, "write each package as an item: '- package: dbt-labs/dbt_utils'");
                return -1;
            }
            for (size_t j = 0; j < val->n; j++) {
                struct xf_pkg_spec s;
                if (parse_entry(&s, a, val->items[j], in_lock, d) < 0) {
                    err = -1;
                    continue;
                }
                xf_avec_push(a, out, s);
            }
        } else if (in_lock && xf_str_eqc(key->str, "sha1_hash")) {
            *hash = scalar(a, val);
        } else if (!in_lock && xf_str_eqc(key->str, "projects")) {
            xf_diag_add(d, XF_SEV_WARNING, key->loc,
                        "'projects' (dependencies on other dbt projects) are not supported; "
                        "ignored");
        } else {
            struct xf_diag *g =
                xf_diag_add(d, XF_SEV_ERROR, key->loc, "unknown key '%.*s' in %s",
                            XF_STR_ARG(key->str), key->loc.src ? key->loc.src->path : "the file");
            xf_diag_hint(g, "the file has one key, 'packages:', a list of packages");
            err = -1;
        }
    }
    return err;
}

static const struct xf_ynode *packages_key(const struct xf_ynode *root)
{
    if (!root || root->kind != XF_Y_MAP)
        return NULL;
    for (size_t i = 0; i < root->n; i++) {
        if (xf_str_eqc(root->keys[i]->str, "packages"))
            return root->keys[i];
    }
    return NULL;
}

static char *display_of(struct xf_arena *a, const char *prefix, const char *name)
{
    return prefix && *prefix ? xf_path_join(a, prefix, name) : xf_arena_strdup(a, name);
}

int xf_pkg_read_packages(xf_pkg_specs *out, const char **file_out, struct xf_arena *a,
                         const char *root, const char *display_prefix, struct xf_diags *d)
{
    *file_out = NULL;
    const struct xf_source *ps =
        load(a, root, "packages.yml", display_of(a, display_prefix, "packages.yml"));
    const struct xf_source *ds =
        load(a, root, "dependencies.yml", display_of(a, display_prefix, "dependencies.yml"));
    struct xf_ynode *pn = NULL, *dn = NULL;
    if (ps && xf_yaml_parse(&pn, a, ps, d) < 0)
        return -1;
    if (ds && xf_yaml_parse(&dn, a, ds, d) < 0)
        return -1;
    const struct xf_ynode *pk = packages_key(pn), *dk = packages_key(dn);
    if (pk && dk) {
        struct xf_diag *g =
            xf_diag_add(d, XF_SEV_ERROR, dk->loc,
                        "'packages' is given in both packages.yml and dependencies.yml");
        xf_diag_hint(g, "keep the list in one of the two files");
        return -1;
    }
    const struct xf_ynode *use = dk ? dn : pn;
    const struct xf_source *src = dk ? ds : ps;
    if (!use)
        return 0;
    *file_out = src->path;
    const char *unused = NULL;
    return parse_list(out, a, use, false, &unused, d);
}

int xf_pkg_parse_source(xf_pkg_specs *out, struct xf_arena *a, const struct xf_source *src,
                        struct xf_diags *d)
{
    struct xf_ynode *n = NULL;
    if (xf_yaml_parse(&n, a, src, d) < 0)
        return -1;
    const char *unused = NULL;
    return parse_list(out, a, n, false, &unused, d);
}

int xf_pkg_read_lock(struct xf_pkg_lock *out, struct xf_arena *a, const char *root,
                     struct xf_diags *d)
{
    memset(out, 0, sizeof *out);
    const struct xf_source *src = load(a, root, "package-lock.yml", "package-lock.yml");
    if (!src)
        return 0;
    struct xf_ynode *n = NULL;
    if (xf_yaml_parse(&n, a, src, d) < 0)
        return -1;
    if (parse_list(&out->packages, a, n, true, &out->sha1_hash, d) < 0)
        return -1;
    return 1;
}

int xf_pkg_read_project(struct xf_pkg_project *out, struct xf_arena *a, const char *dir,
                        const char *display, struct xf_diags *d)
{
    memset(out, 0, sizeof *out);
    out->install_path = "dbt_packages";
    const struct xf_source *src = load(a, dir, "dbt_project.yml", display);
    if (!src)
        src = load(a, dir, "xform_project.yml", display);
    if (!src)
        return 0;
    struct xf_ynode *n = NULL;
    if (xf_yaml_parse(&n, a, src, d) < 0)
        return -1;
    const struct xf_ynode *name = xf_ynode_get(n, "name");
    if (!name || name->kind != XF_Y_SCALAR || xf_ynode_is_null(name)) {
        struct xf_diag *g = xf_diag_add(d, XF_SEV_ERROR, name ? name->loc : n->loc,
                                        "%s has no project name", src->path);
        xf_diag_hint(g, "add 'name: my_package' at the top of the file");
        return -1;
    }
    out->name = scalar(a, name);
    out->name_loc = name->loc;
    const struct xf_ynode *ip = xf_ynode_get(n, "packages-install-path");
    if (ip && ip->kind == XF_Y_SCALAR && !xf_ynode_is_null(ip))
        out->install_path = scalar(a, ip);
    return 1;
}

/* ---- the lock file ---- */

static bool plain_ok(const char *s)
{
    if (!*s || strchr("-:@~+", s[0]))
        return false;
    static const char *const words[] = {"true", "false", "yes",  "no",    "on",
                                        "off",  "null",  "True", "False", "Yes",
                                        "No",   "On",    "Off",  "Null",  NULL};
    for (size_t i = 0; words[i]; i++) {
        if (!strcmp(s, words[i]))
            return false;
    }
    for (const char *p = s; *p; p++) {
        if (!(isalnum((unsigned char)*p) || strchr("_-./:@+~", *p)))
            return false;
    }
    /* plain only when it reads back as text (not a number, as a commit could) */
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_ynode *n = NULL;
    struct xf_buf err = XF_BUF_INIT;
    bool ok = xf_yaml_parse_str(&n, &a, s, strlen(s), &err) == 0 && n && n->kind == XF_Y_SCALAR &&
              xf_ynode_value(&a, n).t == XF_V_STR;
    xf_buf_release(&err);
    xf_arena_release(&a);
    return ok;
}

static void emit_value(struct xf_buf *b, const char *s)
{
    if (plain_ok(s)) {
        xf_buf_adds(b, s);
        return;
    }
    xf_buf_addch(b, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\')
            xf_buf_addch(b, '\\');
        xf_buf_addch(b, *p);
    }
    xf_buf_addch(b, '"');
}

static void emit_kv(struct xf_buf *b, bool first, const char *k, const char *v)
{
    xf_buf_adds(b, first ? "  - " : "    ");
    xf_buf_addf(b, "%s: ", k);
    emit_value(b, v);
    xf_buf_addch(b, '\n');
}

int xf_pkg_write_lock(const char *root, const struct xf_pkg_spec *pinned, size_t n,
                      const char *sha1_hash)
{
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_adds(&b, "packages:\n");
    for (size_t i = 0; i < n; i++) {
        const struct xf_pkg_spec *s = &pinned[i];
        /* keys sorted, as dbt's YAML dump writes them */
        switch (s->kind) {
        case XF_PKG_HUB:
            emit_kv(&b, true, "name", s->name);
            emit_kv(&b, false, "package", s->source);
            emit_kv(&b, false, "version", s->versions.v[0]);
            break;
        case XF_PKG_GIT:
            emit_kv(&b, true, "git", s->source);
            emit_kv(&b, false, "name", s->name);
            emit_kv(&b, false, "revision", s->revision);
            if (s->subdirectory)
                emit_kv(&b, false, "subdirectory", s->subdirectory);
            break;
        case XF_PKG_LOCAL:
            emit_kv(&b, true, "local", s->source);
            emit_kv(&b, false, "name", s->name);
            break;
        case XF_PKG_TARBALL:
            emit_kv(&b, true, "name", s->name);
            emit_kv(&b, false, "tarball", s->source);
            break;
        }
    }
    xf_buf_addf(&b, "sha1_hash: %s\n", sha1_hash);
    struct xf_arena a;
    xf_arena_init(&a);
    char *path = xf_path_join(&a, root, "package-lock.yml");
    char *tmp = xf_arena_printf(&a, "%s.tmp%ld", path, (long)getpid());
    int err = xf_write_file(tmp, b.ptr, b.len);
    if (err == 0 && rename(tmp, path) < 0) {
        err = -errno;
        unlink(tmp);
    }
    xf_arena_release(&a);
    xf_buf_release(&b);
    return err;
}

void xf_pkg_hash(char out[41], const xf_pkg_specs *specs)
{
    XF_VEC(char *) lines = {0};
    for (size_t i = 0; i < specs->n; i++) {
        const struct xf_pkg_spec *s = &specs->v[i];
        json_t *o = json_object();
        static const char *const src_key[] = {"local", "git", "tarball", "package"};
        json_object_set_new(o, src_key[s->kind], json_string(s->source));
        if (s->revision)
            json_object_set_new(o, "revision", json_string(s->revision));
        if (s->subdirectory)
            json_object_set_new(o, "subdirectory", json_string(s->subdirectory));
        if (s->kind == XF_PKG_GIT && !s->warn_unpinned)
            json_object_set_new(o, "warn-unpinned", json_false());
        if (s->kind == XF_PKG_TARBALL && s->name)
            json_object_set_new(o, "name", json_string(s->name));
        if (s->kind == XF_PKG_HUB) {
            if (s->version_list) {
                json_t *l = json_array();
                for (size_t j = 0; j < s->versions.n; j++)
                    json_array_append_new(l, json_string(s->versions.v[j]));
                json_object_set_new(o, "version", l);
            } else {
                json_object_set_new(o, "version", json_string(s->versions.v[0]));
            }
            json_object_set_new(o, "install_prerelease", json_boolean(s->install_prerelease));
        }
        xf_vec_push(&lines, json_dumps(o, JSON_SORT_KEYS));
        json_decref(o);
    }
    for (size_t i = 1; i < lines.n; i++) { /* insertion sort: a handful of lines */
        char *x = lines.v[i];
        size_t j = i;
        while (j > 0 && strcmp(lines.v[j - 1], x) > 0) {
            lines.v[j] = lines.v[j - 1];
            j--;
        }
        lines.v[j] = x;
    }
    struct xf_buf b = XF_BUF_INIT;
    for (size_t i = 0; i < lines.n; i++) {
        if (i)
            xf_buf_addch(&b, '\n');
        xf_buf_adds(&b, lines.v[i]);
        free(lines.v[i]);
    }
    xf_vec_release(&lines);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdn = 0;
    EVP_Digest(b.ptr, b.len, md, &mdn, EVP_sha1(), NULL);
    for (unsigned i = 0; i < mdn && i < 20; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[40] = 0;
    xf_buf_release(&b);
}

/* ---- deps --add-package ---- */

static void emit_entry(struct xf_buf *b, const struct xf_pkg_spec *s)
{
    static const char *const key[] = {"local", "git", "tarball", "package"};
    xf_buf_addf(b, "  - %s: ", key[s->kind]);
    emit_value(b, s->source);
    xf_buf_addch(b, '\n');
    if (s->kind == XF_PKG_HUB) {
        xf_buf_adds(b, "    version: ");
        if (s->version_list) {
            xf_buf_addch(b, '[');
            for (size_t i = 0; i < s->versions.n; i++) {
                xf_buf_adds(b, i ? ", \"" : "\"");
                xf_buf_adds(b, s->versions.v[i]);
                xf_buf_addch(b, '"');
            }
            xf_buf_addch(b, ']');
        } else {
            emit_value(b, s->versions.v[0]);
        }
        xf_buf_addch(b, '\n');
        if (s->install_prerelease)
            xf_buf_adds(b, "    install_prerelease: true\n");
    }
    if (s->revision) {
        xf_buf_adds(b, "    revision: ");
        emit_value(b, s->revision);
        xf_buf_addch(b, '\n');
    }
    if (s->subdirectory) {
        xf_buf_adds(b, "    subdirectory: ");
        emit_value(b, s->subdirectory);
        xf_buf_addch(b, '\n');
    }
    if (s->kind == XF_PKG_GIT && !s->warn_unpinned)
        xf_buf_adds(b, "    warn-unpinned: false\n");
    if (s->kind == XF_PKG_TARBALL && s->name) {
        xf_buf_adds(b, "    name: ");
        emit_value(b, s->name);
        xf_buf_addch(b, '\n');
    }
}

/* dbt's duplicate test: a spelling of the name (with '_' or '-', with or
   without the owner) found in the entry's source between '/', '.' or the ends. */
static bool same_package(const char *name, const char *source)
{
    char variants[6][256];
    size_t nv = 0;
    const char *shortn = strrchr(name, '/');
    const char *bases[2] = {name, shortn ? shortn + 1 : NULL};
    for (size_t b = 0; b < 2 && bases[b]; b++) {
        for (int mode = 0; mode < 3; mode++) {
            snprintf(variants[nv], sizeof variants[nv], "%s", bases[b]);
            for (char *p = variants[nv]; *p; p++) {
                if (mode == 1 && *p == '_')
                    *p = '-';
                if (mode == 2 && *p == '-')
                    *p = '_';
            }
            nv++;
        }
    }
    for (size_t i = 0; i < nv; i++) {
        size_t n = strlen(variants[i]);
        for (const char *at = strstr(source, variants[i]); at && n;
             at = strstr(at + 1, variants[i])) {
            bool start_ok = at == source || at[-1] == '/' || at[-1] == '.';
            bool end_ok = !at[n] || at[n] == '/' || at[n] == '.';
            if (start_ok && end_ok)
                return true;
        }
    }
    return false;
}

int xf_pkg_add(const char *root, const char *arg, const char *source, struct xf_arena *a,
               struct xf_diags *d, void (*note)(void *, const char *, const char *), void *user)
{
    const char *kind = source ? source : "hub";
    struct xf_pkg_spec add;
    memset(&add, 0, sizeof add);
    add.warn_unpinned = true;
    const char *at = strrchr(arg, '@');
    char *name = at ? xf_arena_strndup(a, arg, (size_t)(at - arg)) : xf_arena_strdup(a, arg);
    const char *version = at && at[1] ? at + 1 : NULL;
    add.source = name;
    if (!strcmp(kind, "hub")) {
        add.kind = XF_PKG_HUB;
        if (!version) {
            struct xf_diag *g =
                xf_diag_add(d, XF_SEV_ERROR, XF_NOLOC,
                            "--add-package needs a version for hub package '%s'", name);
            xf_diag_hint(g, "e.g. --add-package %s@1.0.0, or a range: '%s@>=1.0.0,<2.0.0'", name,
                         name);
            return -1;
        }
        /* "a,b" is a list of ranges, as in dbt */
        add.version_list = strchr(version, ',') != NULL;
        char *v = xf_arena_strdup(a, version), *save = NULL;
        for (char *t = strtok_r(v, ",", &save); t; t = strtok_r(NULL, ",", &save))
            xf_avec_push(a, &add.versions, t);
    } else if (!strcmp(kind, "git")) {
        add.kind = XF_PKG_GIT;
        add.revision = version;
    } else if (!strcmp(kind, "local")) {
        add.kind = XF_PKG_LOCAL;
    } else {
        struct xf_diag *g = xf_diag_add(d, XF_SEV_ERROR, XF_NOLOC,
                                        "--source must be hub, git or local, not '%s'", kind);
        xf_diag_hint(g, "hub is the default");
        return -1;
    }
    xf_pkg_specs specs = {0};
    const char *file = NULL;
    if (xf_pkg_read_packages(&specs, &file, a, root, "", d) < 0)
        return -1;
    if (!file)
        file = "packages.yml";
    const struct xf_source *old = load(a, root, file, file);
    struct xf_ynode *n = NULL;
    if (old && xf_yaml_parse(&n, a, old, d) < 0)
        return -1;
    for (size_t i = 0; n && n->kind == XF_Y_MAP && i < n->n; i++) {
        if (!xf_str_eqc(n->keys[i]->str, "packages")) {
            struct xf_diag *g =
                xf_diag_add(d, XF_SEV_ERROR, n->keys[i]->loc,
                            "--add-package rewrites %s, which has more than 'packages:'", file);
            xf_diag_hint(g, "add the entry by hand");
            return -1;
        }
    }
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_adds(&b, "packages:\n");
    for (size_t i = 0; i < specs.n; i++) {
        if (same_package(name, specs.v[i].source)) {
            if (note)
                note(user, "DepsFoundDuplicatePackage",
                     xf_arena_printf(a, "Found duplicate package in %s, removing: %s", file,
                                     specs.v[i].source));
            continue;
        }
        emit_entry(&b, &specs.v[i]);
    }
    emit_entry(&b, &add);
    /* the new file must read back before it replaces the old one */
    struct xf_source *src = XF_ANEW(a, struct xf_source);
    src->path = "--add-package";
    src->text = xf_arena_strndup(a, b.ptr, b.len);
    src->len = b.len;
    xf_pkg_specs check = {0};
    int err = xf_pkg_parse_source(&check, a, src, d);
    if (err == 0) {
        char *path = xf_path_join(a, root, file);
        char *tmp = xf_arena_printf(a, "%s.tmp%ld", path, (long)getpid());
        err = xf_write_file(tmp, b.ptr, b.len);
        if (err == 0 && rename(tmp, path) < 0)
            err = -errno;
        if (err < 0) {
            unlink(tmp);
            xf_error(d, XF_NOLOC, "cannot write %s: %s", path, strerror(-err));
        } else if (note) {
            note(user, "DepsAddPackage",
                 xf_arena_printf(a, "Added new package %s%s%s to %s", name, version ? "@" : "",
                                 version ? version : "", path));
        }
    }
    xf_buf_release(&b);
    return err < 0 ? -1 : 0;
}
