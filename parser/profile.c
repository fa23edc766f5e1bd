// SPDX-License-Identifier: MIT
/*
 * profiles.yml: where it is looked for, which profile and target apply,
 * and the connection settings of that target. Also the rendering of
 * `{{ env_var('X', 'default') }}` and `{{ var('x') }}` inside YAML values
 * (profiles and the project file) with the template engine.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parser/loader.h"
#include "util/path.h"

/* ---- env_var() and var() ---- */

static int arg_name(struct xf_render *r, const struct xf_args *args, const char *fn, const char *kw,
                    const char **out)
{
    const struct xf_value *v = xf_arg(args, 0, kw);
    if (!v || v->t != XF_V_STR)
        return xf_render_error(r, "%s() takes the name as a string, e.g. %s('NAME')", fn, fn);
    *out = xf_arena_strndup(xf_render_arena(r), v->u.s.p, v->u.s.len);
    return 0;
}

static bool has_default(const struct xf_value *d)
{
    return d && d->t != XF_V_UNDEF;
}

static int env_var_fn(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                      const struct xf_args *args)
{
    const char *name = NULL;
    if (arg_name(r, args, "env_var", "var", &name) < 0)
        return -1;
    const char *v = getenv(name);
    const struct xf_value *def = xf_arg(args, 1, "default");
    if (v) {
        *out = xf_v_strdup(xf_render_arena(r), xf_str_c(v));
        return 0;
    }
    if (has_default(def)) {
        *out = *def;
        return 0;
    }
    return xf_render_error(r,
                           "environment variable '%s' is not set and env_var() has no default "
                           "(set it, or pass a default: env_var('%s', 'value'))",
                           name, name);
}

static int var_fn(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                  const struct xf_args *args)
{
    const struct xf_loader *l = self->data;
    const char *name = NULL;
    if (arg_name(r, args, "var", "var", &name) < 0)
        return -1;
    const struct xf_value *v = xf_dict_getc(l->cli_vars.u.d, name);
    const struct xf_value *def = xf_arg(args, 1, "default");
    if (v) {
        *out = *v;
        return 0;
    }
    if (has_default(def)) {
        *out = *def;
        return 0;
    }
    return xf_render_error(r,
                           "var '%s' is not defined here (pass it with --vars '{%s: value}' or "
                           "give a default: var('%s', 'value'))",
                           name, name, name);
}

static void make_globals(struct xf_loader *l)
{
    if (l->globals.t == XF_V_DICT)
        return;
    struct xf_func *fe = XF_ANEW(l->a, struct xf_func);
    fe->name = "env_var";
    fe->fn = env_var_fn;
    fe->data = l;
    struct xf_func *fv = XF_ANEW(l->a, struct xf_func);
    fv->name = "var";
    fv->fn = var_fn;
    fv->data = l;
    l->globals = xf_v_dict(l->a, 3);
    xf_dict_set(l->a, l->globals.u.d, XF_STR("env_var"), xf_v_func(fe));
    xf_dict_set(l->a, l->globals.u.d, XF_STR("var"), xf_v_func(fv));
}

/* After the target is read: `target` for the project files rendered next. */
static void add_target_global(struct xf_loader *l)
{
    make_globals(l);
    xf_dict_set(l->a, l->globals.u.d, XF_STR("target"),
                xf_target_value(l->a, &l->p->target, l->p->name));
}

static bool has_template(struct xf_str s)
{
    for (size_t i = 0; i + 1 < s.len; i++)
        if (s.p[i] == '{' && (s.p[i + 1] == '{' || s.p[i + 1] == '%'))
            return true;
    return false;
}

static bool contains(struct xf_str s, const char *w)
{
    size_t n = strlen(w);
    for (size_t i = 0; i + n <= s.len; i++)
        if (!memcmp(s.p + i, w, n))
            return true;
    return false;
}

/* Does a rendered text read as a Python literal other than a string? */
static bool native_literal(struct xf_str s)
{
    if (xf_str_eqc(s, "True") || xf_str_eqc(s, "False") || xf_str_eqc(s, "None"))
        return true;
    if (!s.len || s.len > 40)
        return false;
    char buf[48], *end;
    memcpy(buf, s.p, s.len);
    buf[s.len] = 0;
    (void)strtod(buf, &end);
    return *end == 0 && !isspace((unsigned char)buf[0]);
}

static int render_scalar(struct xf_loader *l, struct xf_ynode *n)
{
    make_globals(l);
    /* Parse the text where it sits in the file when it is there verbatim,
     * so that errors point into the YAML file; otherwise (escapes, folded
     * lines) parse a copy. */
    const struct xf_source *src = n->loc.src;
    size_t off = n->loc.off;
    bool in_place = false;
    if (src && off + n->str.len <= src->len) {
        const char *t = src->text + off;
        if ((t[0] == '"' || t[0] == '\'') && off + 1 + n->str.len <= src->len &&
            !memcmp(t + 1, n->str.p, n->str.len)) {
            off++;
            in_place = true;
        } else if (!memcmp(t, n->str.p, n->str.len)) {
            in_place = true;
        }
    }
    if (!in_place) {
        struct xf_source *copy = XF_ANEW(l->a, struct xf_source);
        copy->path = src ? src->path : "<yaml>";
        copy->text = n->str.p;
        copy->len = n->str.len;
        src = copy;
        off = 0;
    }
    const struct xf_tmpl *t;
    if (xf_tmpl_parse(&t, l->a, src, off, n->str.len, l->diags) < 0)
        return -1;
    struct xf_render_env env = {
        .arena = l->a,
        .globals = l->globals.u.d,
        .user = l,
        .diags = l->diags,
        .what = NULL,
    };
    struct xf_buf out = XF_BUF_INIT;
    int err = xf_render_template(&out, t, &env);
    if (!err) {
        bool typed = contains(n->str, "as_number") || contains(n->str, "as_bool") ||
                     contains(n->str, "as_native");
        n->str = (struct xf_str){xf_arena_strndup(l->a, out.ptr, out.len), out.len};
        /* dbt renders these values natively: "{{ target.type != 'x' }}" is the
         * boolean True, a number stays a number, None is null */
        if (typed || native_literal(n->str))
            n->quoted = false;
        if (xf_str_eqc(n->str, "None"))
            n->str = XF_STR("null");
    }
    xf_buf_release(&out);
    return err;
}

static bool raw_key(const struct xf_ynode *k, int depth)
{
    if (k->kind != XF_Y_SCALAR)
        return false;
    struct xf_str s = k->str;
    if (depth == 0 && (xf_str_eqc(s, "vars") || xf_str_eqc(s, "on-run-start") ||
                       xf_str_eqc(s, "on-run-end") || xf_str_eqc(s, "query-comment")))
        return true;
    s = xf_loader_config_key(s);
    return xf_str_eqc(s, "pre-hook") || xf_str_eqc(s, "post-hook");
}

static int render(struct xf_loader *l, struct xf_ynode *n, bool project_file, int depth)
{
    int err = 0;
    switch (n->kind) {
    case XF_Y_SCALAR:
        if (has_template(n->str)) {
            struct xf_str raw = n->str;
            err = render_scalar(l, n);
            if (!err && project_file && n->quoted)
                xf_project_note_unrendered(l->p, n->str.p, raw);
        }
        break;
    case XF_Y_SEQ:
        for (size_t i = 0; i < n->n; i++)
            err |= render(l, n->items[i], project_file, depth + 1);
        break;
    case XF_Y_MAP:
        for (size_t i = 0; i < n->n; i++) {
            if (project_file && raw_key(n->keys[i], depth))
                continue;
            err |= render(l, n->items[i], project_file, depth + 1);
        }
        break;
    }
    return err ? -1 : 0;
}

int xf_loader_render_tree(struct xf_loader *l, struct xf_ynode *n, bool project_file)
{
    return render(l, n, project_file, 0);
}

/* ---- profiles.yml ---- */

static const char *const adapter_types[] = {"sqlite", "postgres"};

static void embedded_default(struct xf_loader *l)
{
    struct xf_project *p = l->p;
    struct xf_target *t = &p->target;
    t->profile_name = NULL;
    t->name = "dev";
    t->type = "sqlite";
    t->schema = "main";
    t->database = xf_arena_printf(l->a, "%s/%s.db", p->root, p->name);
    t->threads = l->opts->threads > 0 ? l->opts->threads : 1;
    t->embedded_default = true;
    t->settings = xf_v_dict(l->a, 4);
    xf_dict_set(l->a, t->settings.u.d, XF_STR("type"), xf_v_strc(t->type));
    xf_dict_set(l->a, t->settings.u.d, XF_STR("path"), xf_v_strc(t->database));
    xf_dict_set(l->a, t->settings.u.d, XF_STR("schema"), xf_v_strc(t->schema));
    xf_dict_set(l->a, t->settings.u.d, XF_STR("threads"), xf_v_int(t->threads));
}

/*
 * The embedded default when no profile applies: its one target is 'dev', so
 * a --target naming another is an error, not a build into the SQLite file
 * (`why` says why no profile applies).
 */
static int embedded_default_for(struct xf_loader *l, const char *why)
{
    const char *tname = l->opts->target;
    if (tname && *tname && strcmp(tname, "dev")) {
        const char *names[] = {"dev"};
        const char *s = xf_str_suggest(xf_str_c(tname), names, 1);
        struct xf_diag *g = xf_diag_add(
            l->diags, XF_SEV_ERROR, XF_NOLOC,
            "target '%s' (from --target) is not defined: %s, and the embedded SQLite default "
            "has only the target 'dev'%s%s%s",
            tname, why, s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
        xf_diag_hint(g,
                     "add a '%s' output to the project's profile in a profiles.yml (the project "
                     "folder, ~/.dbt or --profiles-dir), or leave out --target",
                     tname);
        return -1;
    }
    embedded_default(l);
    return 0;
}

/* The profiles.yml to use (full path and display path), or NULL when none. */
static int find_profiles(struct xf_loader *l, const char **full, const char **display)
{
    *full = *display = NULL;
    const char *given = l->opts->profiles_dir;
    if (given && *given) {
        const char *f = xf_path_join(l->a, given, "profiles.yml");
        if (!xf_is_file(f)) {
            struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, XF_NOLOC,
                                            "no profiles.yml in '%s' (from --profiles-dir)", given);
            xf_diag_hint(g, "create it there, or leave out --profiles-dir to use the embedded "
                            "SQLite default");
            return -1;
        }
        *full = *display = f;
        return 0;
    }
    const char *home = getenv("HOME");
    const char *dirs[5] = {getenv("XFORM_PROFILES_DIR"), getenv("DBT_PROFILES_DIR"), l->p->root,
                           home && *home ? xf_path_join(l->a, home, ".xform") : NULL,
                           home && *home ? xf_path_join(l->a, home, ".dbt") : NULL};
    for (size_t i = 0; i < 5; i++) {
        if (!dirs[i] || !*dirs[i])
            continue;
        const char *f = xf_path_join(l->a, dirs[i], "profiles.yml");
        if (xf_is_file(f)) {
            *full = f;
            *display = i == 2 ? "profiles.yml" : f;
            return 0;
        }
    }
    return 0;
}

static void list_keys(struct xf_buf *b, const struct xf_ynode *map, bool skip_config)
{
    bool first = true;
    for (size_t i = 0; i < map->n; i++) {
        if (map->keys[i]->kind != XF_Y_SCALAR)
            continue;
        if (skip_config && xf_str_eqc(map->keys[i]->str, "config"))
            continue;
        xf_buf_addf(b, "%s'" XF_STR_FMT "'", first ? "" : ", ", XF_STR_ARG(map->keys[i]->str));
        first = false;
    }
}

static const char **key_names(struct xf_loader *l, const struct xf_ynode *map, size_t *n)
{
    const char **v = XF_ANEWN(l->a, const char *, map->n + 1);
    size_t k = 0;
    for (size_t i = 0; i < map->n; i++)
        if (map->keys[i]->kind == XF_Y_SCALAR && !xf_str_eqc(map->keys[i]->str, "config"))
            v[k++] = map->keys[i]->str.p;
    *n = k;
    return v;
}

static int int_setting(struct xf_loader *l, const struct xf_ynode *n, const char *what, int *out)
{
    struct xf_value v = xf_ynode_value(l->a, n);
    long x;
    if (v.t == XF_V_INT) {
        x = (long)v.u.i;
    } else if (v.t == XF_V_STR) {
        char *end;
        x = strtol(v.u.s.p, &end, 10);
        if (end == v.u.s.p || *end)
            return xf_error(l->diags, n->loc, "'%s' must be a whole number, not '%s'", what,
                            v.u.s.p);
    } else {
        return xf_error(l->diags, n->loc, "'%s' must be a whole number", what);
    }
    if (x < 1 || x > 1024)
        return xf_error(l->diags, n->loc, "'%s' must be between 1 and 1024, not %ld", what, x);
    *out = (int)x;
    return 0;
}

static int fill_target(struct xf_loader *l, const char *profile, const char *tname,
                       struct xf_ynode *out_node)
{
    struct xf_project *p = l->p;
    struct xf_target *t = &p->target;
    if (out_node->kind != XF_Y_MAP)
        return xf_error(l->diags, out_node->loc,
                        "target '%s' of profile '%s' must be a mapping of settings", tname,
                        profile);
    if (xf_loader_render_tree(l, out_node, false) < 0)
        return -1;
    t->profile_name = profile;
    t->name = tname;
    t->settings = xf_ynode_value(l->a, out_node);
    const struct xf_ynode *ty = xf_ynode_get(out_node, "type");
    if (!ty) {
        struct xf_diag *g =
            xf_diag_add(l->diags, XF_SEV_ERROR, out_node->loc,
                        "target '%s' of profile '%s' has no 'type'", tname, profile);
        xf_diag_hint(g, "add 'type: sqlite' or 'type: postgres'");
        return -1;
    }
    if (xf_loader_want_str(l, ty, "type", &t->type) < 0)
        return -1;
    if (strcmp(t->type, "sqlite") && strcmp(t->type, "postgres")) {
        const char *s = xf_str_suggest(ty->str, adapter_types, 2);
        struct xf_diag *g =
            xf_diag_add(l->diags, XF_SEV_ERROR, ty->loc, "unknown adapter type '%s'%s%s%s", t->type,
                        s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
        xf_diag_hint(g, "xform supports the adapter types 'sqlite' and 'postgres'");
        return -1;
    }
    bool sqlite = !strcmp(t->type, "sqlite");
    const struct xf_ynode *n;
    t->schema = sqlite ? "main" : "public";
    if ((n = xf_ynode_get(out_node, "schema")) &&
        xf_loader_want_str(l, n, "schema", &t->schema) < 0)
        return -1;
    if (n && !xf_schema_name_ok(t->schema)) {
        struct xf_diag *g =
            xf_diag_add(l->diags, XF_SEV_ERROR, n->loc,
                        "invalid schema name '%s': " XF_SCHEMA_NAME_RULE, t->schema);
        xf_diag_hint(g, "use letters, digits and underscores, e.g. 'schema: analytics'");
        return -1;
    }
    t->database = NULL;
    if (sqlite) {
        const char *path = NULL;
        if ((n = xf_ynode_get(out_node, "path")) || (n = xf_ynode_get(out_node, "database"))) {
            if (xf_loader_want_str(l, n, "path", &path) < 0)
                return -1;
        }
        if (!path)
            t->database = xf_arena_printf(l->a, "%s/%s.db", p->root, p->name);
        else if (!strcmp(path, ":memory:"))
            t->database = path;
        else
            t->database = xf_path_join(l->a, p->root, path);
        if ((n = xf_ynode_get(out_node, "journal_mode")) &&
            xf_loader_want_str(l, n, "journal_mode", &t->journal_mode) < 0)
            return -1;
        if (n && strcasecmp(t->journal_mode, "wal") && strcasecmp(t->journal_mode, "delete")) {
            static const char *const modes[] = {"wal", "delete"};
            const char *s = xf_str_suggest(n->str, modes, 2);
            struct xf_diag *g = xf_diag_add(
                l->diags, XF_SEV_ERROR, n->loc, "unknown sqlite journal_mode '%s'%s%s%s",
                t->journal_mode, s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
            xf_diag_hint(g, "use 'wal' (the default: tests read beside the writer) or 'delete' "
                            "(a rollback journal, for file systems without shared memory)");
            return -1;
        }
    } else {
        if ((n = xf_ynode_get(out_node, "dbname")) || (n = xf_ynode_get(out_node, "database"))) {
            if (xf_loader_want_str(l, n, "dbname", &t->database) < 0)
                return -1;
        }
    }
    t->threads = 1;
    if ((n = xf_ynode_get(out_node, "threads")) && int_setting(l, n, "threads", &t->threads) < 0)
        return -1;
    if (l->opts->threads > 0)
        t->threads = l->opts->threads;
    t->embedded_default = false;
    return 0;
}

static int load_target(struct xf_loader *l, const struct xf_ynode *profile_key)
{
    struct xf_project *p = l->p;
    const char *full, *display;
    if (find_profiles(l, &full, &display) < 0)
        return -1;
    if (!full) {
        if (l->opts->profile) {
            struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, XF_NOLOC,
                                            "profile '%s' (from --profile) needs a profiles.yml, "
                                            "and there is none",
                                            l->opts->profile);
            xf_diag_hint(g, "xform looks in --profiles-dir, $XFORM_PROFILES_DIR, $DBT_PROFILES_DIR, "
                            "the project, ~/.xform and ~/.dbt");
            return -1;
        }
        return embedded_default_for(l, "no profiles.yml was found (project folder, "
                                       "~/.xform, ~/.dbt, $DBT_PROFILES_DIR)");
    }
    const struct xf_source *src = xf_loader_read(l, display, full, XF_NOLOC);
    if (!src)
        return -1;
    struct xf_ynode *root;
    if (xf_yaml_parse(&root, l->a, src, l->diags) < 0)
        return -1;
    if (root->kind != XF_Y_MAP)
        return xf_error(l->diags, root->loc, "profiles.yml must be a mapping of profile names");

    const char *pname = l->opts->profile ? l->opts->profile : p->profile ? p->profile : p->name;
    struct xf_ynode *prof = xf_ynode_get(root, pname);
    if (!prof) {
        if (!p->profile && !l->opts->profile) {
            /* The project asks for no profile, and none is named after it. */
            return embedded_default_for(
                l, xf_arena_printf(l->a, "%s has no profile '%s'", display, pname));
        }
        size_t nk;
        const char **names = key_names(l, root, &nk);
        const char *s = xf_str_suggest(xf_str_c(pname), names, nk);
        struct xf_diag *g =
            xf_diag_add(l->diags, XF_SEV_ERROR,
                        profile_key && !l->opts->profile ? profile_key->loc : XF_NOLOC,
                        "profile '%s'%s is not in %s%s%s%s", pname,
                        l->opts->profile ? " (from --profile)" : "", display,
                        s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
        struct xf_buf b = XF_BUF_INIT;
        list_keys(&b, root, true);
        if (nk)
            xf_diag_hint(g, "profiles there: %s", b.ptr);
        else
            xf_diag_hint(g, "add a '%s:' entry with its outputs to %s", pname, display);
        xf_buf_release(&b);
        return -1;
    }
    pname = xf_arena_strdup(l->a, pname);
    if (prof->kind != XF_Y_MAP)
        return xf_error(l->diags, prof->loc,
                        "profile '%s' must be a mapping with 'target' and 'outputs'", pname);
    struct xf_ynode *outputs = xf_ynode_get(prof, "outputs");
    if (!outputs || outputs->kind != XF_Y_MAP || outputs->n == 0) {
        struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, outputs ? outputs->loc : prof->loc,
                                        "profile '%s' has no outputs", pname);
        xf_diag_hint(g, "add 'outputs:' with at least one target, e.g. 'dev: {type: sqlite, "
                        "path: dev.db}'");
        return -1;
    }
    const char *tname = l->opts->target;
    struct xf_ynode *tkey = NULL;
    if (!tname || !*tname) {
        tkey = xf_ynode_get(prof, "target");
        if (tkey) {
            if (xf_loader_render_tree(l, tkey, false) < 0 ||
                xf_loader_want_str(l, tkey, "target", &tname) < 0)
                return -1;
        } else if (outputs->n == 1 && outputs->keys[0]->kind == XF_Y_SCALAR) {
            tname = outputs->keys[0]->str.p;
        } else {
            tname = "default";
        }
    }
    struct xf_ynode *out_node = xf_ynode_get(outputs, tname);
    if (!out_node) {
        size_t nk;
        const char **names = key_names(l, outputs, &nk);
        const char *s = xf_str_suggest(xf_str_c(tname), names, nk);
        struct xf_buf b = XF_BUF_INIT;
        list_keys(&b, outputs, false);
        struct xf_diag *g =
            xf_diag_add(l->diags, XF_SEV_ERROR, tkey ? tkey->loc : outputs->loc,
                        "target '%s' is not defined in profile '%s'%s%s%s", tname, pname,
                        s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
        xf_diag_hint(g, "targets of '%s': %s", pname, b.ptr);
        xf_buf_release(&b);
        return -1;
    }
    return fill_target(l, pname, xf_arena_strdup(l->a, tname), out_node);
}

int xf_loader_target(struct xf_loader *l, const struct xf_ynode *profile_key)
{
    int e = load_target(l, profile_key);
    if (e == 0)
        add_target_global(l);
    return e;
}
