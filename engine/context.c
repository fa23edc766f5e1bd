// SPDX-License-Identifier: MIT
/*
 * dbt's Jinja context: ref, source, config, var, env_var, doc, this,
 * target, is_incremental, run_query, adapter, ... as native functions and
 * objects for the template engine. In parse mode the calls are recorded on
 * the node (dependencies, config); in execute mode they answer with real
 * relations and query results.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/internal.h"
#include "parser/features.h"
#include "parser/yaml.h"
#include "util/path.h"

static struct xf_rctx *RC(struct xf_render *r)
{
    return xf_render_user(r);
}

/* A C string for a string argument, or NULL (with an error) when not a string. */
static const char *arg_str(struct xf_render *r, const struct xf_args *a, size_t pos, const char *kw,
                           const char *fname, bool required)
{
    const struct xf_value *v = xf_arg(a, pos, kw);
    if (!v || v->t == XF_V_UNDEF || v->t == XF_V_NONE) {
        if (required)
            xf_render_error(r, "%s() is missing its '%s' argument", fname, kw);
        return NULL;
    }
    if (v->t != XF_V_STR) {
        struct xf_buf b = XF_BUF_INIT;
        xf_value_str(&b, v);
        char *s = xf_arena_strndup(xf_render_arena(r), b.ptr, b.len);
        xf_buf_release(&b);
        return s;
    }
    return xf_arena_strdups(xf_render_arena(r), v->u.s);
}

/* Where what a parse-mode render records (refs, config) is kept: the project's lifetime. */
static struct xf_arena *keep_of(struct xf_rctx *rc)
{
    return rc->keep ? rc->keep : &rc->s->p->arena;
}

/* ---- relations (engine/relation.c) ---- */

static struct xf_value node_relation(struct xf_session *s, struct xf_arena *a,
                                     const struct xf_node *n)
{
    return xf_relation_value(s, a, n->database, n->schema, n->alias ? n->alias : n->name);
}

/* ---- ref / source ---- */

/* A microbatch's batch reads an upstream that declares event_time through its window. */
static void batch_window(struct xf_rctx *rc, const struct xf_node *up, struct xf_value *rel)
{
    const struct xf_value *et = rc->batch ? xf_node_config(up, "event_time") : NULL;
    if (et && et->t == XF_V_STR && et->u.s.len)
        xf_relation_set_window(rel, rc->arena, xf_arena_strdups(rc->arena, et->u.s),
                               rc->batch->start, rc->batch->end);
}

/* Where a ref or source is written: a YAML snapshot's in its relation: value. */
static struct xf_loc dep_loc(struct xf_render *r, const struct xf_node *n)
{
    return n->relation_loc.src ? n->relation_loc : xf_render_loc(r);
}

static int fn_ref(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                  const struct xf_args *a)
{
    struct xf_rctx *rc = RC(r);
    const char *pkg = NULL, *name;
    if (a->npos >= 2) {
        pkg = arg_str(r, a, 0, "package", "ref", true);
        name = arg_str(r, a, 1, "name", "ref", true);
    } else {
        name = arg_str(r, a, 0, "name", "ref", true);
    }
    if (!name)
        return -1;
    /* ref('m', v=2) / ref('m', version=2): a version of a versioned model */
    const char *version = arg_str(r, a, (size_t)-1, "v", "ref", false);
    if (!version)
        version = arg_str(r, a, (size_t)-1, "version", "ref", false);
    if (!rc->execute) {
        if (rc->node) {
            struct xf_arena *pa = keep_of(rc);
            struct xf_dep d = {pkg ? xf_arena_strdup(pa, pkg) : NULL, xf_arena_strdup(pa, name),
                               dep_loc(r, rc->node), NULL,
                               version ? xf_arena_strdup(pa, version) : NULL};
            xf_avec_push(pa, &rc->node->refs, d);
            xf_precs_dep(rc, 'R', &d);
        }
        /* A placeholder with the right shape until names are known. */
        struct xf_node *t = xf_map_getc(&rc->s->refable, name);
        if (t && t->schema)
            *out = node_relation(rc->s, rc->arena, t);
        else
            *out = xf_relation_value(rc->s, rc->arena, NULL, rc->s->p->target.schema, name);
        return 0;
    }
    /* A unit test's given input: its rows as a CTE. */
    const struct xf_value *cte = rc->ut ? xf_dict_getc(rc->ut->inputs, name) : NULL;
    if (cte) {
        *out = xf_relation_cte(rc->s, rc->arena, cte->u.s.p);
        return 0;
    }
    /* The node the graph resolved this ref() to (packages may share names). */
    struct xf_node *t = NULL;
    for (size_t i = 0; rc->node && i < rc->node->refs.n && !t; i++) {
        const struct xf_dep *d = &rc->node->refs.v[i];
        if (d->node && !strcmp(d->name, name) &&
            (!pkg || (d->package && !strcmp(d->package, pkg))) &&
            (!version == !d->version && (!version || !strcmp(version, d->version))))
            t = d->node;
    }
    if (!t)
        t = xf_map_getc(&rc->s->refable, name);
    if (!t)
        return xf_render_error(r, "'%s' was not found: ref() names a model, seed or snapshot",
                               name);
    if (t->type == XF_RES_MODEL && t->mat == XF_MAT_EPHEMERAL)
        return xf_ephemeral_cte(r, rc, t, out);
    *out = node_relation(rc->s, rc->arena, t);
    if (rc->s->empty)
        xf_relation_set_empty(out);
    batch_window(rc, t, out);
    return 0;
}

int xf_ephemeral_cte(struct xf_render *r, struct xf_rctx *rc, struct xf_node *eph,
                     struct xf_value *out)
{
    struct xf_arena *a = rc->arena;
    char *name = xf_arena_printf(a, "__xform__cte__%s", eph->name);
    *out = xf_relation_cte(rc->s, a, name);
    if (!rc->ctes)
        rc->ctes = xf_v_dict(a, 4).u.d;
    if (xf_dict_getc(rc->ctes, name))
        return 0; /* once per query, however often it is referenced */
    if (!eph->tmpl)
        return xf_render_error(r, "ephemeral model '%s' has no SQL", eph->name);
    struct xf_rctx sub = *rc;
    sub.node = eph;
    struct xf_render_env env;
    xf_context_env(&env, &sub);
    env.diags = xf_render_get_env(r)->diags;
    struct xf_buf sql = XF_BUF_INIT;
    int e = xf_render_template(&sql, eph->tmpl, &env);
    if (e == 0) {
        /* Its own ephemeral parents were added while rendering: they come first. */
        rc->ctes = sub.ctes;
        xf_dict_set(a, rc->ctes, xf_str_c(name),
                    xf_v_str((struct xf_str){xf_arena_strndup(a, sql.ptr, sql.len), sql.len}));
    } else {
        xf_render_error(r, "could not compile ephemeral model '%s'", eph->name);
    }
    xf_buf_release(&sql);
    return e;
}

/* Skips white space and SQL comments; returns where the statement starts. */
static const char *skip_space(const char *p)
{
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            p = e ? e + 2 : p + strlen(p);
        } else {
            return p;
        }
    }
}

void xf_inject_ctes(struct xf_buf *out, const char *sql, const struct xf_dict *ctes)
{
    if (!ctes || !ctes->n) {
        xf_buf_adds(out, sql);
        return;
    }
    const char *p = skip_space(sql);
    bool with =
        !strncasecmp(p, "with", 4) && (p[4] == ' ' || p[4] == '\n' || p[4] == '\t' || p[4] == '\r');
    xf_buf_add(out, sql, (size_t)(p - sql));
    xf_buf_adds(out, "with ");
    for (size_t i = 0; i < ctes->n; i++) {
        if (i)
            xf_buf_adds(out, ", ");
        xf_buf_addf(out, "%.*s as (\n", XF_STR_ARG(ctes->ents[i].key));
        xf_value_str(out, &ctes->ents[i].val);
        xf_buf_adds(out, "\n)");
    }
    if (with) {
        xf_buf_adds(out, ", ");
        xf_buf_adds(out, skip_space(p + 4));
    } else {
        xf_buf_addch(out, '\n');
        xf_buf_adds(out, p);
    }
}

static struct xf_node *find_source(struct xf_session *s, const char *src, const char *table)
{
    for (size_t i = 0; i < s->p->sources.n; i++) {
        struct xf_node *n = s->p->sources.v[i];
        if (!strcmp(n->source_name, src) && !strcmp(n->name, table))
            return n;
    }
    return NULL;
}

static int fn_source(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                     const struct xf_args *a)
{
    struct xf_rctx *rc = RC(r);
    const char *src = arg_str(r, a, 0, "source_name", "source", true);
    const char *table = src ? arg_str(r, a, 1, "table_name", "source", true) : NULL;
    if (!table)
        return -1;
    struct xf_node *n = find_source(rc->s, src, table);
    if (!rc->execute && rc->node) {
        struct xf_arena *pa = keep_of(rc);
        struct xf_dep d = {xf_arena_strdup(pa, src), xf_arena_strdup(pa, table),
                           dep_loc(r, rc->node), NULL, NULL};
        xf_avec_push(pa, &rc->node->source_deps, d);
        xf_precs_dep(rc, 'S', &d);
    }
    const struct xf_value *cte =
        rc->ut ? xf_dict_getc(rc->ut->inputs, xf_arena_printf(rc->arena, "%s\x1f%s", src, table))
               : NULL;
    if (rc->execute && cte) {
        *out = xf_relation_cte(rc->s, rc->arena, cte->u.s.p);
        return 0;
    }
    if (!n) {
        if (rc->execute)
            return xf_render_error(r, "source '%s.%s' was not found", src, table);
        *out = xf_relation_value(rc->s, rc->arena, NULL, src, table);
        return 0;
    }
    *out = xf_relation_value(rc->s, rc->arena, n->database, n->schema,
                             n->identifier ? n->identifier : n->name);
    if (rc->execute && rc->s->empty)
        xf_relation_set_empty(out);
    if (rc->execute)
        batch_window(rc, n, out);
    return 0;
}

/* ---- config ---- */

/*
 * dbt takes any key in config() (a custom config), so an unknown one is
 * not an error; one a typo away from a config dbt knows most likely is a
 * typo that would silently do nothing: say so.
 */
static void warn_typo(struct xf_render *r, struct xf_str key)
{
    size_t n;
    const char *const *keys = xf_feature_names(XF_FEAT_CONFIG, &n);
    for (size_t i = 0; i < n; i++)
        if (xf_str_eqc(key, keys[i]))
            return;
    if (xf_str_eqc(key, "pre_hook") || xf_str_eqc(key, "post_hook"))
        return;
    const char *s = xf_str_suggest(key, keys, n);
    if (s)
        xf_render_warn(r,
                       "unknown config '" XF_STR_FMT "' (did you mean '%s'?): kept as a custom "
                       "config, which xform does not act on",
                       XF_STR_ARG(key), s);
}

/* A config xform does not act on yet: the one "not supported" warning, here. */
static void warn_not_yet(struct xf_render *r, struct xf_str key, const struct xf_value *v)
{
    warn_typo(r, key);
    const char *adapter = RC(r)->s->p->target.type;
    const struct xf_feature *f = xf_feature_elsewhere(XF_FEAT_CONFIG, key, v, adapter);
    if (f) { /* grants on SQLite ... */
        struct xf_buf b = XF_BUF_INIT;
        xf_feature_elsewhere_message(&b, f, adapter);
        xf_render_warn(r, "%s", b.ptr);
        xf_buf_release(&b);
        return;
    }
    f = xf_feature_not_yet(XF_FEAT_CONFIG, key, v);
    if (!f)
        return;
    struct xf_buf b = XF_BUF_INIT;
    xf_feature_message(&b, f);
    xf_render_warn(r, "%s (%s)", b.ptr, f->hint ? f->hint : "ignored");
    xf_buf_release(&b);
}

static int config_call(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                       const struct xf_args *a)
{
    struct xf_rctx *rc = RC(r);
    *out = xf_v_strc("");
    if (rc->execute || !rc->node)
        return 0;
    struct xf_arena *pa = keep_of(rc);
    for (size_t i = 0; i < a->npos; i++) {
        if (a->pos[i].t != XF_V_DICT)
            return xf_render_error(r, "config() takes keyword arguments or one dict, not a %s",
                                   xf_value_type_name(&a->pos[i]));
        const struct xf_dict *d = a->pos[i].u.d;
        for (size_t k = 0; k < d->n; k++) {
            struct xf_value v = xf_value_copy(pa, &d->ents[k].val);
            warn_not_yet(r, d->ents[k].key, &v);
            struct xf_str key = {xf_arena_strdups(pa, d->ents[k].key), d->ents[k].key.len};
            xf_node_config_set(pa, rc->node, key, v);
            xf_precs_config(rc, key, &v);
        }
    }
    for (size_t i = 0; i < a->nkw; i++) {
        struct xf_value v = xf_value_copy(pa, &a->kwvals[i]);
        /* pre_hook / post_hook are spelled with '-' in dbt's config dict. */
        struct xf_str key = a->kwnames[i];
        warn_not_yet(r, key, &v);
        if (xf_str_eqc(key, "pre_hook"))
            key = XF_STR("pre-hook");
        else if (xf_str_eqc(key, "post_hook"))
            key = XF_STR("post-hook");
        else
            key = (struct xf_str){xf_arena_strdups(pa, key), key.len};
        xf_node_config_set(pa, rc->node, key, v);
        xf_precs_config(rc, key, &v);
    }
    return 0;
}

static int config_get(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                      const struct xf_args *a)
{
    struct xf_rctx *rc = RC(r);
    const char *key = arg_str(r, a, 0, "name", "config.get", true);
    if (!key)
        return -1;
    const struct xf_value *def = xf_arg(a, 1, "default");
    const struct xf_value *v = rc->node ? xf_node_config(rc->node, key) : NULL;
    if (v)
        *out = *v;
    else
        *out = def ? *def : xf_v_none();
    bool require = self->data != NULL;
    if (require && !v)
        return xf_render_error(r, "required config '%s' was not set", key);
    return 0;
}

static const struct xf_func config_get_fn = {"config.get", config_get, NULL, NULL};
static const struct xf_func config_require_fn = {"config.require", config_get, (void *)1, NULL};

static int config_set(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                      const struct xf_args *a)
{
    struct xf_rctx *rc = RC(r);
    const char *key = arg_str(r, a, 0, "name", "config.set", true);
    const struct xf_value *v = xf_arg(a, 1, "value");
    if (!key || !v)
        return key ? xf_render_error(r, "config.set() needs a value") : -1;
    if (!rc->execute && rc->node) {
        struct xf_value c = xf_value_copy(keep_of(rc), v);
        struct xf_str k = xf_str_c(xf_arena_strdup(keep_of(rc), key));
        xf_node_config_set(keep_of(rc), rc->node, k, c);
        xf_precs_config(rc, k, &c);
    }
    *out = xf_v_strc("");
    return 0;
}

static const struct xf_func config_set_fn = {"config.set", config_set, NULL, NULL};

static int config_getattr(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                          struct xf_str name)
{
    if (xf_str_eqc(name, "get"))
        *out = xf_v_func(&config_get_fn);
    else if (xf_str_eqc(name, "require"))
        *out = xf_v_func(&config_require_fn);
    else if (xf_str_eqc(name, "set"))
        *out = xf_v_func(&config_set_fn);
    else
        return 1;
    return 0;
}

static const struct xf_obj_ops config_ops = {
    .type_name = "config",
    .getattr = config_getattr,
    .call = config_call,
};
static const struct xf_obj config_obj = {&config_ops, NULL};

/* ---- var / env_var / doc ---- */

static int fn_var(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                  const struct xf_args *a)
{
    struct xf_rctx *rc = RC(r);
    const char *name = arg_str(r, a, 0, "name", "var", true);
    if (!name)
        return -1;
    const struct xf_value *def = xf_arg(a, 1, "default");
    const struct xf_value *vars = xf_project_vars(rc->s->p, rc->node ? rc->node->package : rc->package);
    const struct xf_value *v = vars->t == XF_V_DICT ? xf_dict_getc(vars->u.d, name) : NULL;
    /* a unit test's overrides.vars come first */
    if (rc->ut && rc->ut->vars && rc->ut->vars->t == XF_V_DICT &&
        xf_dict_getc(rc->ut->vars->u.d, name))
        v = xf_dict_getc(rc->ut->vars->u.d, name);
    if (!v) {
        if (def) {
            *out = *def;
            return 0;
        }
        const char *what = rc->node ? rc->node->name : "the project";
        xf_render_error(r,
                        "required var '%s' not found: it is not in the project's vars or "
                        "--vars, and no default was given to var() in '%s'",
                        name, what);
        return -1;
    }
    *out = *v;
    /* dbt renders string vars as templates (a var may hold Jinja). */
    if (v->t == XF_V_STR && memmem(v->u.s.p, v->u.s.len, "{{", 2)) {
        /* in the session's arena: a diagnostic points at it after this
         * render's arena is gone (the fuzzer found one read after free) */
        pthread_mutex_lock(&rc->s->lock);
        struct xf_source *src = XF_ANEW(&rc->s->arena, struct xf_source);
        src->path = xf_arena_printf(&rc->s->arena, "<var %s>", name);
        pthread_mutex_unlock(&rc->s->lock);
        src->text = v->u.s.p;
        src->len = v->u.s.len;
        const struct xf_tmpl *t;
        const struct xf_render_env *env = xf_render_get_env(r);
        if (xf_tmpl_parse(&t, rc->arena, src, 0, src->len, env->diags) < 0)
            return -1;
        struct xf_buf b = XF_BUF_INIT;
        int err = xf_render_template(&b, t, env);
        if (!err)
            *out = xf_v_str((struct xf_str){xf_arena_strndup(rc->arena, b.ptr, b.len), b.len});
        xf_buf_release(&b);
        return err;
    }
    return 0;
}

static int fn_env_var(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                      const struct xf_args *a)
{
    const char *name = arg_str(r, a, 0, "name", "env_var", true);
    if (!name)
        return -1;
    /* a unit test's overrides.env_vars come first */
    struct xf_rctx *rc = RC(r);
    const struct xf_value *ov = rc && rc->ut && rc->ut->env_vars && rc->ut->env_vars->t == XF_V_DICT
                                    ? xf_dict_getc(rc->ut->env_vars->u.d, name)
                                    : NULL;
    if (ov) {
        struct xf_buf b = XF_BUF_INIT;
        xf_value_str(&b, ov);
        *out = xf_v_str((struct xf_str){xf_arena_strndup(xf_render_arena(r), b.ptr, b.len), b.len});
        xf_buf_release(&b);
        return 0;
    }
    const char *v = getenv(name);
    if (v) {
        *out = xf_v_str((struct xf_str){xf_arena_strdup(xf_render_arena(r), v), strlen(v)});
        return 0;
    }
    const struct xf_value *def = xf_arg(a, 1, "default");
    if (def) {
        *out = *def;
        return 0;
    }
    return xf_render_error(r, "environment variable '%s' is not set and env_var() has no default",
                           name);
}

static int fn_doc(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                  const struct xf_args *a)
{
    struct xf_rctx *rc = RC(r);
    const char *name = arg_str(r, a, a->npos >= 2 ? 1 : 0, "name", "doc", true);
    if (!name)
        return -1;
    struct xf_doc_def *d = xf_map_getc(&rc->s->docs, name);
    if (!d) {
        size_t n = rc->s->p->docs.n;
        const char **names = xf_arena_alloc(rc->arena, (n + 1) * sizeof *names);
        for (size_t i = 0; i < n; i++)
            names[i] = rc->s->p->docs.v[i]->name;
        const char *sug = xf_str_suggest(xf_str_c(name), names, n);
        if (sug)
            return xf_render_error(r, "doc '%s' was not found (did you mean '%s'?)", name, sug);
        return xf_render_error(r,
                               "doc '%s' was not found: define it in a {%% docs %s %%} block "
                               "in a .md file",
                               name, name);
    }
    *out = xf_v_str(d->text);
    return 0;
}

/* ---- is_incremental / run_query / log ---- */

static int fn_is_incremental(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                             const struct xf_args *a)
{
    struct xf_rctx *rc = RC(r);
    bool inc = false;
    if (rc->execute && rc->node && rc->node->mat == XF_MAT_INCREMENTAL) {
        /* false when rebuilt from scratch: the model's full_refresh wins over the flag */
        bool node_fr = xf_node_full_refresh(rc->s, rc->node);
        enum xf_relkind k = XF_REL_NONE;
        if (!node_fr) {
            struct xf_buf err = XF_BUF_INIT;
            int e = xf_rctx_existing(rc, rc->node->schema, rc->node->alias, &k, &err);
            if (e < 0)
                xf_render_error(r, "is_incremental() could not look up '%s': %s", rc->node->alias,
                                err.ptr);
            xf_buf_release(&err);
            if (e < 0)
                return -1;
        }
        inc = k == XF_REL_TABLE;
    }
    *out = xf_v_bool(inc);
    return 0;
}

/*
 * The connection for a question to the database: *c NULL when there is
 * none to ask (parse mode: the answer is none), -1 when connecting failed.
 */
static int db_for(struct xf_render *r, struct xf_rctx *rc, const char *what, struct xf_conn **c)
{
    *c = NULL;
    if (!rc->execute || (!rc->conn && !rc->lazy))
        return 0;
    struct xf_buf err = XF_BUF_INIT;
    *c = xf_rctx_conn(rc, &err);
    if (!*c)
        xf_render_error(r, "%s: %s", what, err.ptr);
    xf_buf_release(&err);
    return *c ? 0 : -1;
}

/*
 * In a custom materialization's render, a statement is logged for
 * target/run and, with dbt's auto_begin, runs in the transaction it opens
 * when none is open (engine/custom_mat.c commits or rolls it back).
 */
static int mat_statement(struct xf_render *r, struct xf_rctx *rc, struct xf_conn *c,
                         const char *sql, bool auto_begin, const char *label)
{
    if (!rc->mat)
        return 0;
    if (auto_begin && !rc->mat->in_txn) {
        struct xf_buf err = XF_BUF_INIT;
        int e = c->ops->begin(c, &err);
        if (e < 0)
            xf_render_error(r, "could not begin a transaction: %s", err.ptr);
        xf_buf_release(&err);
        if (e < 0)
            return -1;
        rc->mat->in_txn = true;
    }
    xf_buf_addf(rc->mat->executed, "-- %s\n%s;\n", label, sql);
    return 0;
}

static int run_sql(struct xf_value *out, struct xf_render *r, const char *sql, bool fetch,
                   bool auto_begin, const char *label)
{
    struct xf_rctx *rc = RC(r);
    struct xf_conn *c;
    *out = xf_v_none();
    if (db_for(r, rc, "run_query", &c) < 0)
        return -1;
    if (!c)
        return 0;
    if (mat_statement(r, rc, c, sql, auto_begin, label) < 0)
        return -1;
    struct xf_buf err = XF_BUF_INIT;
    struct xf_result res;
    memset(&res, 0, sizeof res);
    int e = fetch ? c->ops->query(c, sql, rc->arena, &res, &err) : c->ops->exec(c, sql, &err);
    if (e < 0) {
        xf_render_error(r, "query failed: %s", err.ptr);
        xf_buf_release(&err);
        return -1;
    }
    xf_buf_release(&err);
    *out = fetch ? xf_agate_table(rc->arena, &res) : xf_v_none();
    return 0;
}

static int fn_run_query(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                        const struct xf_args *a)
{
    const char *sql = arg_str(r, a, 0, "sql", "run_query", true);
    if (!sql)
        return -1;
    /* dbt's run_query is a statement with auto_begin=False */
    return run_sql(out, r, sql, true, false, "run_query");
}

/*
 * What a statement reports, as Postgres names its commands (dbt shows the
 * main statement's response as the model's result): a table created from a
 * query says SELECT, as the built-in table materialization does here.
 */
static const char *statement_status(const char *sql)
{
    static const char *const words[] = {"insert", "update", "delete",   "merge", "select",
                                        "drop",   "alter",  "truncate", "grant", "comment"};
    static const char *const upper[] = {"INSERT", "UPDATE", "DELETE",   "MERGE", "SELECT",
                                        "DROP",   "ALTER",  "TRUNCATE", "GRANT", "COMMENT"};
    const char *p = skip_space(sql);
    if (!strncasecmp(p, "create", 6)) {
        /* create [or replace] [temporary|unlogged ...] table|view */
        for (const char *q = p + 6; *q && *q != '('; q++) {
            if (!strncasecmp(q, " table ", 7) || !strncasecmp(q, "\ntable ", 7))
                return "SELECT";
            if (!strncasecmp(q, " view ", 6) || !strncasecmp(q, "\nview ", 6))
                return "CREATE VIEW";
        }
        return "CREATE";
    }
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t l = strlen(words[i]);
        if (!strncasecmp(p, words[i], l) && !(p[l] == '_' || isalnum((unsigned char)p[l])))
            return upper[i];
    }
    return "OK";
}

/* dbt's AdapterResponse: prints as its message; _message, code, rows_affected (-1: not known). */
static int response_getattr(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                            struct xf_str name)
{
    (void)r;
    if (xf_str_eqc(name, "_message") || xf_str_eqc(name, "code"))
        *out = xf_v_strc(o->data);
    else if (xf_str_eqc(name, "rows_affected"))
        *out = xf_v_int(-1);
    else
        return 1;
    return 0;
}

static void response_str(struct xf_buf *out, const struct xf_obj *o)
{
    xf_buf_adds(out, o->data);
}

static const struct xf_obj_ops response_ops = {
    .type_name = "AdapterResponse",
    .getattr = response_getattr,
    .str = response_str,
};

/* {% call statement('name', fetch_result=True) %} sql {% endcall %} */
static int fn_statement(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                        const struct xf_args *a)
{
    struct xf_rctx *rc = RC(r);
    const char *name = arg_str(r, a, 0, "name", "statement", false);
    const struct xf_value *fetch = xf_arg(a, 1, "fetch_result");
    const struct xf_value *auto_begin = xf_arg(a, 2, "auto_begin");
    *out = xf_v_strc("");
    if (!a->caller)
        return xf_render_error(r, "statement() must be used as {%% call statement(...) %%}");
    struct xf_value sqlv;
    struct xf_args none = {0};
    if (xf_render_call(r, &sqlv, a->caller, &none) < 0)
        return -1;
    if (!rc->execute)
        return 0;
    struct xf_buf sql = XF_BUF_INIT;
    xf_value_str(&sql, &sqlv);
    struct xf_value table;
    bool want = fetch && xf_value_truthy(fetch);
    const char *label = xf_arena_printf(rc->arena, "statement('%s')", name ? name : "");
    int e = run_sql(&table, r, sql.ptr, want, !auto_begin || xf_value_truthy(auto_begin), label);
    const char *status = statement_status(sql.ptr);
    if (e == 0 && rc->mat && name && !strcmp(name, "main"))
        rc->mat->main_status = status;
    xf_buf_release(&sql);
    if (e < 0)
        return -1;
    if (name) {
        if (!rc->statements)
            rc->statements = xf_v_dict(rc->arena, 0).u.d;
        struct xf_value res = xf_v_dict(rc->arena, 3);
        xf_dict_set(rc->arena, res.u.d, XF_STR("table"), table);
        struct xf_obj *resp = XF_ANEW(rc->arena, struct xf_obj);
        resp->ops = &response_ops;
        resp->data = (void *)status;
        xf_dict_set(rc->arena, res.u.d, XF_STR("response"), xf_v_obj(resp));
        xf_dict_set(rc->arena, res.u.d, XF_STR("data"), xf_agate_data(rc->arena, &table));
        xf_dict_set(rc->arena, rc->statements, xf_str_c(name), res);
    }
    return 0;
}

static int fn_load_result(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                          const struct xf_args *a)
{
    struct xf_rctx *rc = RC(r);
    const char *name = arg_str(r, a, 0, "name", "load_result", true);
    if (!name)
        return -1;
    const struct xf_value *v = rc->statements ? xf_dict_getc(rc->statements, name) : NULL;
    *out = v ? *v : xf_v_none();
    return 0;
}

/* ---- adapter object ---- */

static int ad_quote(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                    const struct xf_args *a)
{
    const char *id = arg_str(r, a, 0, "identifier", "adapter.quote", true);
    if (!id)
        return -1;
    struct xf_buf b = XF_BUF_INIT;
    RC(r)->s->ops->quote(&b, id);
    *out = xf_v_str((struct xf_str){xf_arena_strndup(xf_render_arena(r), b.ptr, b.len), b.len});
    xf_buf_release(&b);
    return 0;
}

static int ad_dispatch(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                       const struct xf_args *a)
{
    struct xf_rctx *rc = RC(r);
    const char *name = arg_str(r, a, 0, "macro_name", "adapter.dispatch", true);
    if (!name)
        return -1;
    const char *ns = arg_str(r, a, 1, "macro_namespace", "adapter.dispatch", false);
    const char *prefixes[] = {rc->s->ops->name, "default"};
    /* Search order: the project's dispatch config for the namespace, then
     * the project, then the namespace itself (e.g. dbt). */
    const char *order[8];
    size_t norder = 0;
    const struct xf_value *disp = &rc->s->p->dispatch;
    if (ns && disp->t == XF_V_LIST) {
        for (size_t i = 0; i < disp->u.l->n; i++) {
            const struct xf_value *e = &disp->u.l->items[i];
            const struct xf_value *mn =
                e->t == XF_V_DICT ? xf_dict_getc(e->u.d, "macro_namespace") : NULL;
            const struct xf_value *so =
                e->t == XF_V_DICT ? xf_dict_getc(e->u.d, "search_order") : NULL;
            if (mn && mn->t == XF_V_STR && xf_str_eqc(mn->u.s, ns) && so && so->t == XF_V_LIST) {
                for (size_t k = 0; k < so->u.l->n && norder < 6; k++) {
                    if (so->u.l->items[k].t == XF_V_STR)
                        order[norder++] = xf_arena_strdups(rc->arena, so->u.l->items[k].u.s);
                }
            }
        }
    }
    if (!norder) {
        order[norder++] = rc->s->p->name;
        if (ns)
            order[norder++] = ns;
        order[norder++] = "dbt";
    }
    /* As dbt: package by package, the adapter's implementation before the
     * default one in each; the built-in `dbt` namespace is always last. */
    if (norder < 8 && strcmp(order[norder - 1], "dbt") != 0)
        order[norder++] = "dbt";
    for (size_t o = 0; o < norder; o++) {
        const struct xf_value *pkg = xf_dict_getc(rc->s->globals.u.d, order[o]);
        if (!pkg || pkg->t != XF_V_DICT)
            continue;
        for (size_t p = 0; p < 2; p++) {
            char *mname = xf_arena_printf(rc->arena, "%s__%s", prefixes[p], name);
            const struct xf_value *m = xf_dict_getc(pkg->u.d, mname);
            if (m) {
                *out = *m;
                return 0;
            }
        }
    }
    return xf_render_error(r, "no macro '%s__%s' or 'default__%s' found for adapter.dispatch('%s')",
                           rc->s->ops->name, name, name, name);
}

static int ad_get_relation(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                           const struct xf_args *a)
{
    struct xf_rctx *rc = RC(r);
    const char *db = arg_str(r, a, 0, "database", "adapter.get_relation", false);
    const char *schema = arg_str(r, a, 1, "schema", "adapter.get_relation", true);
    const char *id = schema ? arg_str(r, a, 2, "identifier", "adapter.get_relation", true) : NULL;
    if (!id)
        return -1;
    struct xf_conn *c;
    *out = xf_v_none();
    if (db_for(r, rc, "adapter.get_relation", &c) < 0)
        return -1;
    if (!c)
        return 0;
    struct xf_relation rel = {db, schema, id};
    enum xf_relkind k;
    struct xf_buf err = XF_BUF_INIT;
    int e = c->ops->relation_kind(c, &rel, &k, &err);
    if (e < 0) {
        xf_render_error(r, "adapter.get_relation failed: %s", err.ptr);
        xf_buf_release(&err);
        return -1;
    }
    xf_buf_release(&err);
    if (k != XF_REL_NONE) {
        *out = xf_relation_value(rc->s, rc->arena, db, schema, id);
        xf_relation_set_kind(out, (int)k);
    }
    return 0;
}

/* adapter.list_relations_without_caching(schema_relation): what the schema holds now. */
static int ad_list_relations(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                             const struct xf_args *a)
{
    struct xf_rctx *rc = RC(r);
    const struct xf_relation *sch = xf_relation_get(xf_arg(a, 0, "schema_relation"));
    *out = xf_v_list(rc->arena, 0);
    struct xf_conn *c;
    if (db_for(r, rc, "adapter.list_relations_without_caching", &c) < 0)
        return -1;
    if (!c)
        return 0; /* parse mode: names are not known yet */
    if (!sch || !sch->schema)
        return xf_render_error(r, "adapter.list_relations_without_caching() needs a relation "
                                  "with a schema");
    struct xf_relation *rels;
    enum xf_relkind *kinds;
    size_t n = 0;
    struct xf_buf err = XF_BUF_INIT;
    int e = c->ops->list_relations(c, sch->schema, rc->arena, &rels, &kinds, &n, &err);
    if (e < 0)
        xf_render_error(r, "adapter.list_relations_without_caching failed: %s", err.ptr);
    xf_buf_release(&err);
    for (size_t i = 0; e == 0 && i < n; i++) {
        struct xf_value v =
            xf_relation_value(rc->s, rc->arena, sch->database, sch->schema, rels[i].identifier);
        xf_relation_set_kind(&v, (int)kinds[i]);
        xf_list_push(rc->arena, out->u.l, v);
    }
    return e < 0 ? -1 : 0;
}

/* load_relation(relation): the relation as the warehouse has it, or none. */
static int fn_load_relation(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                            const struct xf_args *a)
{
    const struct xf_relation *rel = xf_relation_get(xf_arg(a, 0, "relation"));
    if (!rel)
        return xf_render_error(r, "load_relation() needs a relation");
    /* while parsing, names are not known yet and nothing is asked: none, as dbt */
    if (!RC(r)->execute || !rel->schema || !rel->identifier) {
        *out = xf_v_none();
        return 0;
    }
    struct xf_value args[3] = {rel->database ? xf_v_strc(rel->database) : xf_v_none(),
                               rel->schema ? xf_v_strc(rel->schema) : xf_v_none(),
                               rel->identifier ? xf_v_strc(rel->identifier) : xf_v_none()};
    struct xf_args ga = {args, 3, NULL, NULL, 0, NULL};
    return ad_get_relation(out, r, self, &ga);
}

/* should_store_failures(): the test's store_failures config (dbt's flag is not read). */
static int fn_should_store_failures(struct xf_value *out, struct xf_render *r,
                                    const struct xf_func *self, const struct xf_args *a)
{
    const struct xf_rctx *rc = RC(r);
    *out = xf_v_bool(rc->node && xf_node_config_bool(rc->node, "store_failures", false));
    return 0;
}

struct column {
    const char *name, *type;
};

static bool type_is_string(const char *t)
{
    return t && (strcasestr(t, "char") || strcasestr(t, "text") || strcasestr(t, "string"));
}

static int col_is_string(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                         const struct xf_args *a)
{
    *out = xf_v_bool(type_is_string(((const struct column *)self->self)->type));
    return 0;
}

static int col_is_number(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                         const struct xf_args *a)
{
    const char *t = ((const struct column *)self->self)->type;
    *out = xf_v_bool(t && (strcasestr(t, "int") || strcasestr(t, "real") ||
                           strcasestr(t, "numeric") || strcasestr(t, "double") ||
                           strcasestr(t, "float") || strcasestr(t, "decimal")));
    return 0;
}

/* dbt's Column.is_numeric(): numeric/decimal types. */
static int col_is_numeric(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                          const struct xf_args *a)
{
    const char *t = ((const struct column *)self->self)->type;
    *out = xf_v_bool(t && (strcasestr(t, "numeric") || strcasestr(t, "decimal")));
    return 0;
}

/* dbt's Column.is_float(): real, float and double types. */
static int col_is_float(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                        const struct xf_args *a)
{
    const char *t = ((const struct column *)self->self)->type;
    *out = xf_v_bool(t &&
                     (strcasestr(t, "real") || strcasestr(t, "float") || strcasestr(t, "double")));
    return 0;
}

static int col_is_integer(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                          const struct xf_args *a)
{
    const char *t = ((const struct column *)self->self)->type;
    *out = xf_v_bool(t && (strcasestr(t, "int") || strcasestr(t, "serial")));
    return 0;
}

static int col_string_size(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                           const struct xf_args *a)
{
    const char *t = ((const struct column *)self->self)->type;
    const char *p = t ? strchr(t, '(') : NULL;
    *out = xf_v_int(p ? atoll(p + 1) : 256);
    return 0;
}

static int column_getattr(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                          struct xf_str name)
{
    const struct column *c = o->data;
    if (xf_str_eqc(name, "name") || xf_str_eqc(name, "column")) {
        *out = xf_v_strc(c->name);
        return 0;
    }
    if (xf_str_eqc(name, "data_type") || xf_str_eqc(name, "dtype")) {
        *out = xf_v_strc(c->type ? c->type : "");
        return 0;
    }
    if (xf_str_eqc(name, "quoted")) {
        struct xf_buf b = XF_BUF_INIT;
        RC(r)->s->ops->quote(&b, c->name);
        *out = xf_v_str((struct xf_str){xf_arena_strndup(xf_render_arena(r), b.ptr, b.len), b.len});
        xf_buf_release(&b);
        return 0;
    }
    xf_native_fn fn = xf_str_eqc(name, "is_string")     ? col_is_string
                      : xf_str_eqc(name, "is_number")   ? col_is_number
                      : xf_str_eqc(name, "is_numeric")  ? col_is_numeric
                      : xf_str_eqc(name, "is_float")    ? col_is_float
                      : xf_str_eqc(name, "is_integer")  ? col_is_integer
                      : xf_str_eqc(name, "string_size") ? col_string_size
                                                        : NULL;
    if (!fn)
        return 1;
    struct xf_func *f = XF_ANEW(xf_render_arena(r), struct xf_func);
    f->name = xf_arena_strdups(xf_render_arena(r), name);
    f->fn = fn;
    f->self = c;
    *out = xf_v_func(f);
    return 0;
}

static void column_str(struct xf_buf *out, const struct xf_obj *o)
{
    xf_buf_adds(out, ((const struct column *)o->data)->name);
}

static const struct xf_obj_ops column_ops = {
    .type_name = "column",
    .getattr = column_getattr,
    .str = column_str,
};

struct xf_value xf_context_column(struct xf_arena *a, const char *name, const char *type)
{
    struct column *c = XF_ANEW(a, struct column);
    c->name = name;
    c->type = type;
    struct xf_obj *o = XF_ANEW(a, struct xf_obj);
    o->ops = &column_ops;
    o->data = c;
    return xf_v_obj(o);
}

static int ad_get_columns(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                          const struct xf_args *a)
{
    struct xf_rctx *rc = RC(r);
    const struct xf_value *rv = xf_arg(a, 0, "relation");
    const struct xf_relation *rel = xf_relation_get(rv);
    if (!rel)
        return xf_render_error(r, "adapter.get_columns_in_relation() needs a relation");
    *out = xf_v_list(rc->arena, 0);
    struct xf_conn *c;
    if (db_for(r, rc, "adapter.get_columns_in_relation", &c) < 0)
        return -1;
    if (!c)
        return 0;
    struct xf_column_info *cols;
    size_t n;
    struct xf_buf err = XF_BUF_INIT;
    int e = c->ops->columns(c, rel, rc->arena, &cols, &n, &err);
    if (e < 0) {
        xf_render_error(r, "adapter.get_columns_in_relation failed: %s", err.ptr);
        xf_buf_release(&err);
        return -1;
    }
    xf_buf_release(&err);
    for (size_t i = 0; i < n; i++) {
        struct column *c = XF_ANEW(rc->arena, struct column);
        c->name = cols[i].name;
        c->type = cols[i].data_type;
        struct xf_obj *o = XF_ANEW(rc->arena, struct xf_obj);
        o->ops = &column_ops;
        o->data = c;
        xf_list_push(rc->arena, out->u.l, xf_v_obj(o));
    }
    return 0;
}

static int ad_drop_relation(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                            const struct xf_args *a)
{
    struct xf_rctx *rc = RC(r);
    const struct xf_value *rv = xf_arg(a, 0, "relation");
    *out = xf_v_strc("");
    const struct xf_relation *rel = xf_relation_get(rv);
    if (!rel)
        return xf_render_error(r, "adapter.drop_relation() needs a relation");
    struct xf_conn *c;
    if (db_for(r, rc, "adapter.drop_relation", &c) < 0)
        return -1;
    if (!c)
        return 0;
    if (rc->mat) {
        struct xf_buf name = XF_BUF_INIT;
        c->ops->render_relation(&name, rel);
        xf_buf_addf(rc->mat->executed, "-- adapter.drop_relation(%s)\n", name.ptr);
        xf_buf_release(&name);
    }
    struct xf_buf err = XF_BUF_INIT;
    int e = c->ops->drop_relation(c, rel, &err);
    if (e < 0)
        xf_render_error(r, "adapter.drop_relation failed: %s", err.ptr);
    xf_buf_release(&err);
    return e < 0 ? -1 : 0;
}

/* ---- what materializations call (engine/custom_mat.c runs them) ---- */

/*
 * adapter.<name>(relations...) as dbt's adapter methods that run a macro of
 * that name (dispatched, so an adapter or a project can replace its SQL).
 */
static int relation_macro(struct xf_value *out, struct xf_render *r, const char *name,
                          const struct xf_args *a, const char *const *params, size_t n)
{
    struct xf_value args[2];
    *out = xf_v_strc("");
    for (size_t i = 0; i < n; i++) {
        const struct xf_value *v = xf_arg(a, i, params[i]);
        if (!v || !xf_relation_get(v))
            return xf_render_error(r, "adapter.%s() needs a relation as its '%s'", name, params[i]);
        args[i] = *v;
    }
    struct xf_value fn = xf_render_lookup(r, xf_str_c(name));
    if (fn.t != XF_V_FUNC)
        return xf_render_error(r, "adapter.%s(): no '%s' macro", name, name);
    struct xf_args ca = {args, n, NULL, NULL, 0, NULL};
    struct xf_value ignored;
    return xf_render_call(r, &ignored, &fn, &ca);
}

static int ad_rename_relation(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                              const struct xf_args *a)
{
    (void)self;
    static const char *const params[] = {"from_relation", "to_relation"};
    return relation_macro(out, r, "rename_relation", a, params, 2);
}

static int ad_truncate_relation(struct xf_value *out, struct xf_render *r,
                                const struct xf_func *self, const struct xf_args *a)
{
    (void)self;
    static const char *const params[] = {"relation"};
    return relation_macro(out, r, "truncate_relation", a, params, 1);
}

/* adapter.commit(): ends the transaction the materialization's statements opened. */
static int ad_commit(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                     const struct xf_args *a)
{
    (void)self;
    (void)a;
    struct xf_rctx *rc = RC(r);
    *out = xf_v_strc("");
    if (!rc->execute)
        return 0;
    if (!rc->mat || !rc->mat->in_txn)
        return xf_render_error(r, "adapter.commit(): no transaction is open (statements of a "
                                  "materialization open one)");
    struct xf_buf err = XF_BUF_INIT;
    int e = rc->conn->ops->commit(rc->conn, &err);
    rc->mat->in_txn = false;
    if (e < 0)
        xf_render_error(r, "commit failed: %s", err.ptr);
    else
        xf_buf_adds(rc->mat->executed, "-- adapter.commit()\n");
    xf_buf_release(&err);
    return e < 0 ? -1 : 0;
}

/*
 * run_hooks(hooks, inside_transaction=True): the hooks whose transaction
 * flag matches, each rendered now and run as a statement; outside the
 * transaction, one still open is committed first (as dbt does).
 */
static int fn_run_hooks(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                        const struct xf_args *a)
{
    (void)self;
    struct xf_rctx *rc = RC(r);
    const struct xf_value *hooks = xf_arg(a, 0, "hooks");
    const struct xf_value *inside = xf_arg(a, 1, "inside_transaction");
    bool in = !inside || inside->t == XF_V_UNDEF || xf_value_truthy(inside);
    *out = xf_v_strc("");
    if (!hooks || hooks->t != XF_V_LIST || !rc->execute)
        return 0;
    bool first = true;
    for (size_t i = 0; i < hooks->u.l->n; i++) {
        const struct xf_value *h = &hooks->u.l->items[i];
        const struct xf_value *sqlv = h->t == XF_V_DICT ? xf_dict_getc(h->u.d, "sql") : h;
        const struct xf_value *tx = h->t == XF_V_DICT ? xf_dict_getc(h->u.d, "transaction") : NULL;
        if ((!tx || xf_value_truthy(tx)) != in || !sqlv || sqlv->t != XF_V_STR)
            continue;
        if (!in && first && rc->mat && rc->mat->in_txn) {
            struct xf_value none = {0};
            struct xf_args na = {0};
            if (ad_commit(&none, r, NULL, &na) < 0)
                return -1;
        }
        first = false;
        /* the hook's text is a template of its own, rendered with this render's
         * names; its source outlives the render (diagnostics point at it) */
        pthread_mutex_lock(&rc->s->lock);
        struct xf_source *src = XF_ANEW(&rc->s->arena, struct xf_source);
        src->path =
            rc->node && rc->node->original_file_path
                ? xf_arena_printf(&rc->s->arena, "%s (hook)", rc->node->original_file_path)
                : "<hook>";
        pthread_mutex_unlock(&rc->s->lock);
        src->text = sqlv->u.s.p;
        src->len = sqlv->u.s.len;
        const struct xf_render_env *env = xf_render_get_env(r);
        const struct xf_tmpl *t;
        struct xf_buf sql = XF_BUF_INIT;
        int e = xf_tmpl_parse(&t, rc->arena, src, 0, src->len, env->diags);
        if (!e)
            e = xf_render_template(&sql, t, env);
        struct xf_str body = xf_str_trim(xf_buf_str(&sql));
        if (!e && body.len) {
            struct xf_value ignored;
            e = run_sql(&ignored, r, xf_arena_strndup(rc->arena, body.p, body.len), false, in,
                        "hook");
        }
        xf_buf_release(&sql);
        if (e < 0)
            return -1;
    }
    return 0;
}

static int fn_log(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                  const struct xf_args *a)
{
    struct xf_rctx *rc = RC(r);
    const struct xf_value *msg = xf_arg(a, 0, "msg");
    const struct xf_value *info = xf_arg(a, 1, "info");
    *out = xf_v_strc("");
    if (!msg || !rc->execute || !rc->s->events || !rc->s->events->log)
        return 0;
    struct xf_buf b = XF_BUF_INIT;
    xf_value_str(&b, msg);
    pthread_mutex_lock(&rc->s->lock);
    rc->s->events->log(rc->s->events->user, b.ptr, info && xf_value_truthy(info));
    pthread_mutex_unlock(&rc->s->lock);
    xf_buf_release(&b);
    return 0;
}

/* dbt's fromyaml(string, default=none): the value, or default when it is not YAML. */
static int fn_fromyaml(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                       const struct xf_args *a)
{
    struct xf_rctx *rc = RC(r);
    const struct xf_value *s = xf_arg(a, 0, "value");
    const struct xf_value *def = xf_arg(a, 1, "default");
    *out = def ? *def : xf_v_none();
    if (!s || s->t != XF_V_STR)
        return 0;
    struct xf_ynode *root = NULL;
    struct xf_buf err = XF_BUF_INIT;
    if (xf_yaml_parse_str(&root, rc->arena, s->u.s.p, s->u.s.len, &err) == 0)
        *out = root ? xf_ynode_value(rc->arena, root) : xf_v_none();
    xf_buf_release(&err);
    return 0;
}

/* dbt's toyaml(value, default=none): block-style YAML, keys in their order. */
static int fn_toyaml(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                     const struct xf_args *a)
{
    struct xf_rctx *rc = RC(r);
    const struct xf_value *v = xf_arg(a, 0, "value");
    const struct xf_value *sort = xf_arg(a, 2, "sort_keys");
    if (sort && xf_value_truthy(sort))
        return xf_render_error(r, "toyaml(sort_keys=true) is not supported: sort the keys "
                                  "with dictsort first");
    if (!v)
        return xf_render_error(r, "toyaml() needs a value");
    struct xf_buf b = XF_BUF_INIT;
    xf_yaml_emit(&b, v);
    *out = xf_v_str((struct xf_str){xf_arena_strndup(rc->arena, b.ptr ? b.ptr : "", b.len), b.len});
    xf_buf_release(&b);
    return 0;
}

static const struct xf_func f_ref = {"ref", fn_ref, NULL, NULL};
static const struct xf_func f_source = {"source", fn_source, NULL, NULL};
static const struct xf_func f_var = {"var", fn_var, NULL, NULL};
static const struct xf_func f_env_var = {"env_var", fn_env_var, NULL, NULL};
static const struct xf_func f_doc = {"doc", fn_doc, NULL, NULL};
static const struct xf_func f_is_incremental = {"is_incremental", fn_is_incremental, NULL, NULL};
static const struct xf_func f_run_query = {"run_query", fn_run_query, NULL, NULL};
static const struct xf_func f_statement = {"statement", fn_statement, NULL, NULL};
static const struct xf_func f_load_result = {"load_result", fn_load_result, NULL, NULL};
static const struct xf_func f_log = {"log", fn_log, NULL, NULL};
static const struct xf_func f_fromyaml = {"fromyaml", fn_fromyaml, NULL, NULL};
static const struct xf_func f_toyaml = {"toyaml", fn_toyaml, NULL, NULL};
static const struct xf_func f_quote = {"quote", ad_quote, NULL, NULL};
static const struct xf_func f_dispatch = {"dispatch", ad_dispatch, NULL, NULL};
static const struct xf_func f_get_relation = {"get_relation", ad_get_relation, NULL, NULL};
static const struct xf_func f_load_relation = {"load_relation", fn_load_relation, NULL, NULL};
static const struct xf_func f_list_relations = {"list_relations_without_caching", ad_list_relations,
                                                NULL, NULL};
static const struct xf_func f_should_store_failures = {"should_store_failures",
                                                       fn_should_store_failures, NULL, NULL};
static const struct xf_func f_get_columns = {"get_columns_in_relation", ad_get_columns, NULL, NULL};
static const struct xf_func f_drop_relation = {"drop_relation", ad_drop_relation, NULL, NULL};
static const struct xf_func f_relation_create = {"create", xf_relation_create_fn, NULL, NULL};
static const struct xf_func f_rename_relation = {"rename_relation", ad_rename_relation, NULL, NULL};
static const struct xf_func f_commit = {"commit", ad_commit, NULL, NULL};
static const struct xf_func f_truncate_relation = {"truncate_relation", ad_truncate_relation, NULL,
                                                   NULL};
static const struct xf_func f_run_hooks = {"run_hooks", fn_run_hooks, NULL, NULL};

static void setf(struct xf_arena *a, struct xf_dict *d, const char *k, const struct xf_func *f)
{
    xf_dict_set(a, d, xf_str_c(k), xf_v_func(f));
}

static void set_target(struct xf_session *s, struct xf_dict *g)
{
    xf_dict_set(&s->arena, g, XF_STR("target"),
                xf_target_value(&s->arena, &s->p->target, s->p->name));
}

/* ---- graph: dbt's flat graph, graph.nodes and graph.sources by unique id ---- */

static struct xf_value strv(const char *s)
{
    return s ? xf_v_strc(s) : xf_v_none();
}

static struct xf_value columns_value(struct xf_arena *a, const struct xf_node *n)
{
    struct xf_value cols = xf_v_dict(a, n->columns.n);
    for (size_t i = 0; i < n->columns.n; i++) {
        const struct xf_column *c = &n->columns.v[i];
        struct xf_value col = xf_v_dict(a, 5);
        xf_dict_set(a, col.u.d, XF_STR("name"), strv(c->name));
        xf_dict_set(a, col.u.d, XF_STR("description"),
                    xf_v_strc(c->description ? c->description : ""));
        xf_dict_set(a, col.u.d, XF_STR("data_type"), strv(c->data_type));
        xf_dict_set(a, col.u.d, XF_STR("meta"), c->meta.t == XF_V_DICT ? c->meta : xf_v_dict(a, 0));
        xf_dict_set(a, col.u.d, XF_STR("tags"), c->tags.t == XF_V_LIST ? c->tags : xf_v_list(a, 0));
        xf_dict_set(a, cols.u.d, xf_str_c(c->name), col);
    }
    return cols;
}

/* One node as dbt's graph shows it (the manifest's fields templates use). */
static struct xf_value graph_node(struct xf_session *s, struct xf_arena *a, uint32_t i)
{
    const struct xf_node *n = s->g.all[i];
    struct xf_value v = xf_v_dict(a, 24);
    struct xf_dict *d = v.u.d;
    xf_dict_set(a, d, XF_STR("unique_id"), strv(n->unique_id));
    xf_dict_set(a, d, XF_STR("name"), strv(n->name));
    xf_dict_set(a, d, XF_STR("resource_type"), xf_v_strc(xf_resource_name(n->type)));
    xf_dict_set(a, d, XF_STR("package_name"), strv(n->package ? n->package : s->p->name));
    xf_dict_set(a, d, XF_STR("path"), strv(n->path));
    xf_dict_set(a, d, XF_STR("original_file_path"), strv(n->original_file_path));
    xf_dict_set(a, d, XF_STR("fqn"), n->fqn.t == XF_V_LIST ? n->fqn : xf_v_list(a, 0));
    xf_dict_set(a, d, XF_STR("database"), strv(n->database));
    xf_dict_set(a, d, XF_STR("schema"), strv(n->schema));
    xf_dict_set(a, d, XF_STR("alias"), strv(n->alias ? n->alias : n->name));
    xf_dict_set(a, d, XF_STR("relation_name"), strv(n->relation_name));
    xf_dict_set(a, d, XF_STR("description"), xf_v_strc(n->description ? n->description : ""));
    xf_dict_set(a, d, XF_STR("config"), n->config.t == XF_V_DICT ? n->config : xf_v_dict(a, 0));
    xf_dict_set(a, d, XF_STR("tags"), n->tags.t == XF_V_LIST ? n->tags : xf_v_list(a, 0));
    xf_dict_set(a, d, XF_STR("meta"), n->meta.t == XF_V_DICT ? n->meta : xf_v_dict(a, 0));
    xf_dict_set(a, d, XF_STR("columns"), columns_value(a, n));
    if (n->type == XF_RES_SOURCE) {
        xf_dict_set(a, d, XF_STR("source_name"), strv(n->source_name));
        xf_dict_set(a, d, XF_STR("identifier"), strv(n->identifier));
        xf_dict_set(a, d, XF_STR("loaded_at_field"), strv(n->loaded_at_field));
        xf_dict_set(a, d, XF_STR("source_description"),
                    xf_v_strc(n->source_description ? n->source_description : ""));
        return v;
    }
    if (n->src)
        xf_dict_set(a, d, XF_STR("raw_code"), xf_v_str((struct xf_str){n->src->text, n->src->len}));
    xf_dict_set(a, d, XF_STR("language"), xf_v_strc("sql"));
    struct xf_value dn = xf_v_list(a, s->g.nparents[i]);
    for (uint32_t k = 0; k < s->g.nparents[i]; k++)
        xf_list_push(a, dn.u.l, strv(s->g.all[s->g.parents[i][k]]->unique_id));
    struct xf_value macros = xf_v_list(a, n->macro_deps.n);
    for (size_t k = 0; k < n->macro_deps.n; k++)
        xf_list_push(a, macros.u.l, strv(n->macro_deps.v[k]));
    struct xf_value dep = xf_v_dict(a, 2);
    xf_dict_set(a, dep.u.d, XF_STR("macros"), macros);
    xf_dict_set(a, dep.u.d, XF_STR("nodes"), dn);
    xf_dict_set(a, d, XF_STR("depends_on"), dep);
    struct xf_value refs = xf_v_list(a, n->refs.n);
    for (size_t k = 0; k < n->refs.n; k++) {
        struct xf_value r = xf_v_dict(a, 3);
        xf_dict_set(a, r.u.d, XF_STR("name"), strv(n->refs.v[k].name));
        xf_dict_set(a, r.u.d, XF_STR("package"), strv(n->refs.v[k].package));
        xf_dict_set(a, r.u.d, XF_STR("version"), xf_v_none());
        xf_list_push(a, refs.u.l, r);
    }
    xf_dict_set(a, d, XF_STR("refs"), refs);
    struct xf_value srcs = xf_v_list(a, n->source_deps.n);
    for (size_t k = 0; k < n->source_deps.n; k++) {
        struct xf_value pair = xf_v_list(a, 2);
        xf_list_push(a, pair.u.l, strv(n->source_deps.v[k].package));
        xf_list_push(a, pair.u.l, strv(n->source_deps.v[k].name));
        xf_list_push(a, srcs.u.l, pair);
    }
    xf_dict_set(a, d, XF_STR("sources"), srcs);
    if (n->decl) {
        const char *dot = strchr(n->decl->test_name, '.');
        struct xf_value meta = xf_v_dict(a, 3);
        xf_dict_set(a, meta.u.d, XF_STR("name"), xf_v_strc(dot ? dot + 1 : n->decl->test_name));
        xf_dict_set(
            a, meta.u.d, XF_STR("namespace"),
            dot ? xf_v_str((struct xf_str){n->decl->test_name, (size_t)(dot - n->decl->test_name)})
                : xf_v_none());
        xf_dict_set(a, meta.u.d, XF_STR("kwargs"),
                    n->decl->kwargs.t == XF_V_DICT ? n->decl->kwargs : xf_v_dict(a, 0));
        xf_dict_set(a, d, XF_STR("test_metadata"), meta);
        xf_dict_set(a, d, XF_STR("column_name"), strv(n->column_name));
        xf_dict_set(a, d, XF_STR("attached_node"),
                    n->attached ? strv(n->attached->unique_id) : xf_v_none());
    }
    return v;
}

/* Made once, on the first question in execute mode, when every node is named. */
static void build_graph(struct xf_session *s)
{
    pthread_mutex_lock(&s->lazy_lock);
    if (!atomic_load(&s->graph_built)) {
        struct xf_arena *a = &s->graph_arena;
        s->graph_nodes = xf_v_dict(a, s->p->nodes.n);
        s->graph_sources = xf_v_dict(a, s->p->sources.n);
        /* graph.exposures, graph.metrics ...: by unique id, with their manifest members */
        static const char *const kinds[] = {"exposures", "metrics", "semantic_models",
                                            "saved_queries", "unit_tests"};
        s->graph_others = xf_v_dict(a, 5);
        for (size_t k = 0; k < 5; k++)
            xf_dict_set(a, s->graph_others.u.d, xf_str_c(kinds[k]), xf_v_dict(a, 0));
        for (uint32_t i = 0; s->graph_ok && i < s->g.n; i++) {
            const struct xf_node *n = s->g.all[i];
            if (s->g.disabled[i])
                continue;
            struct xf_value *into = n->type == XF_RES_SOURCE ? &s->graph_sources : &s->graph_nodes;
            struct xf_value v = graph_node(s, a, i);
            if (n->type >= XF_RES_EXPOSURE) {
                into = (struct xf_value *)xf_dict_getc(s->graph_others.u.d,
                                                       kinds[n->type - XF_RES_EXPOSURE]);
                xf_dict_del(v.u.d, XF_STR("raw_code")); /* its YAML file, not code */
                for (size_t k = 0; n->props.t == XF_V_DICT && k < n->props.u.d->n; k++)
                    xf_dict_set(a, v.u.d, n->props.u.d->ents[k].key, n->props.u.d->ents[k].val);
            }
            xf_dict_set(a, into->u.d, xf_str_c(n->unique_id), v);
        }
        atomic_store(&s->graph_built, true);
    }
    pthread_mutex_unlock(&s->lazy_lock);
}

static int graph_part(struct xf_value *out, struct xf_render *r, struct xf_str name)
{
    struct xf_rctx *rc = RC(r);
    if (xf_str_eqc(name, "groups")) { /* groups are another issue's */
        *out = xf_v_dict(rc->arena, 0);
        return 0;
    }
    static const char *const others[] = {"exposures",     "metrics",    "semantic_models",
                                         "saved_queries", "unit_tests", NULL};
    bool other = false;
    for (const char *const *e = others; *e && !other; e++)
        other = xf_str_eqc(name, *e);
    bool nodes = xf_str_eqc(name, "nodes");
    if (!nodes && !other && !xf_str_eqc(name, "sources"))
        return 1;
    if (!rc->execute || !rc->s->graph_ok) {
        /* parse mode: nothing is named yet (dbt's templates guard with `if execute`) */
        *out = xf_v_dict(rc->arena, 0);
        return 0;
    }
    if (!atomic_load(&rc->s->graph_built))
        build_graph(rc->s);
    *out = other   ? *xf_dict_get(rc->s->graph_others.u.d, name)
           : nodes ? rc->s->graph_nodes
                   : rc->s->graph_sources;
    return 0;
}

static int graph_getattr(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                         struct xf_str name)
{
    (void)o;
    return graph_part(out, r, name);
}

static int graph_getitem(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                         const struct xf_value *key)
{
    (void)o;
    return key->t == XF_V_STR ? graph_part(out, r, key->u.s) : 1;
}

static void graph_str(struct xf_buf *out, const struct xf_obj *o)
{
    (void)o;
    xf_buf_adds(out, "<graph>");
}

static const struct xf_obj_ops graph_ops = {
    .type_name = "graph",
    .getattr = graph_getattr,
    .str = graph_str,
    .is_mapping = true,
    .getitem = graph_getitem,
};
static const struct xf_obj graph_obj = {&graph_ops, NULL};

/* dbt's flags: the command line's switches as templates see them. */
static int flags_getattr(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                         struct xf_str name)
{
    (void)o;
    struct xf_rctx *rc = RC(r);
    if (xf_str_eqc(name, "FULL_REFRESH")) {
        *out = xf_v_bool(rc->s->full_refresh);
    } else if (xf_str_eqc(name, "WHICH")) {
        const char *w = rc->s->which ? rc->s->which : rc->s->inv.command;
        *out = w ? xf_v_strc(w) : xf_v_none();
    } else if (xf_str_eqc(name, "EMPTY")) {
        *out = xf_v_bool(rc->s->empty);
    } else if (xf_str_eqc(name, "WARN_ERROR")) {
        *out = xf_v_bool(rc->s->warn_error);
    } else if (xf_str_eqc(name, "STORE_FAILURES") || xf_str_eqc(name, "DEBUG") ||
               xf_str_eqc(name, "FAIL_FAST") || xf_str_eqc(name, "USE_COLORS")) {
        *out = xf_v_bool(false); /* not switches xform has, or off unless said */
    } else {
        return 1;
    }
    return 0;
}

static void flags_str(struct xf_buf *out, const struct xf_obj *o)
{
    (void)o;
    xf_buf_adds(out, "<flags>");
}

static const struct xf_obj_ops flags_ops = {
    .type_name = "flags",
    .getattr = flags_getattr,
    .str = flags_str,
};
static const struct xf_obj flags_obj = {&flags_ops, NULL};

int xf_context_init(struct xf_session *s)
{
    struct xf_arena *a = &s->arena;
    s->globals = xf_v_dict(a, 64);
    struct xf_dict *g = s->globals.u.d;
    /* parse mode's model.batch: one read-only value every render shares */
    struct xf_mb_batch any;
    xf_mb_batch_init(&any, a, 0, 86400, XF_GRAIN_DAY);
    s->mb_parse_batch = any.value;
    xf_jinja_builtins(a, g);
    setf(a, g, "ref", &f_ref);
    setf(a, g, "source", &f_source);
    setf(a, g, "var", &f_var);
    setf(a, g, "env_var", &f_env_var);
    setf(a, g, "doc", &f_doc);
    setf(a, g, "is_incremental", &f_is_incremental);
    setf(a, g, "run_query", &f_run_query);
    setf(a, g, "statement", &f_statement);
    setf(a, g, "load_result", &f_load_result);
    setf(a, g, "log", &f_log);
    setf(a, g, "fromyaml", &f_fromyaml);
    setf(a, g, "toyaml", &f_toyaml);
    setf(a, g, "load_relation", &f_load_relation);
    setf(a, g, "should_store_failures", &f_should_store_failures);
    setf(a, g, "run_hooks", &f_run_hooks);
    xf_dict_set(a, g, XF_STR("config"), xf_v_obj(&config_obj));
    xf_dict_set(a, g, XF_STR("graph"), xf_v_obj((struct xf_obj *)&graph_obj));
    xf_dict_set(a, g, XF_STR("flags"), xf_v_obj((struct xf_obj *)&flags_obj));

    struct xf_value adapter = xf_v_dict(a, 8);
    setf(a, adapter.u.d, "quote", &f_quote);
    setf(a, adapter.u.d, "dispatch", &f_dispatch);
    setf(a, adapter.u.d, "get_relation", &f_get_relation);
    setf(a, adapter.u.d, "list_relations_without_caching", &f_list_relations);
    setf(a, adapter.u.d, "get_columns_in_relation", &f_get_columns);
    setf(a, adapter.u.d, "drop_relation", &f_drop_relation);
    setf(a, adapter.u.d, "rename_relation", &f_rename_relation);
    setf(a, adapter.u.d, "commit", &f_commit);
    setf(a, adapter.u.d, "truncate_relation", &f_truncate_relation);
    xf_dict_set(a, adapter.u.d, XF_STR("type"), xf_v_strc(s->ops->name));
    xf_dict_set(a, g, XF_STR("adapter"), adapter);

    struct xf_value relation = xf_v_dict(a, 1);
    setf(a, relation.u.d, "create", &f_relation_create);
    struct xf_value api = xf_v_dict(a, 1);
    xf_dict_set(a, api.u.d, XF_STR("Relation"), relation);
    xf_dict_set(a, g, XF_STR("api"), api);

    set_target(s, g);
    xf_dict_set(a, g, XF_STR("project_name"), xf_v_strc(s->p->name));
    xf_dict_set(a, g, XF_STR("invocation_id"), xf_v_strc(s->invocation_id));
    /* a datetime (UTC), as dbt's: strftime() and isoformat() work on it */
    xf_dict_set(a, g, XF_STR("run_started_at"), xf_jinja_datetime_utc(a, s->started));

    struct xf_value builtins = xf_v_dict(a, 4);
    setf(a, builtins.u.d, "ref", &f_ref);
    setf(a, builtins.u.d, "source", &f_source);
    xf_dict_set(a, builtins.u.d, XF_STR("config"), xf_v_obj(&config_obj));
    xf_dict_set(a, g, XF_STR("builtins"), builtins);
    return 0;
}

struct xf_dict *xf_context_locals(struct xf_rctx *rc)
{
    struct xf_arena *a = rc->arena;
    struct xf_value d = xf_v_dict(a, 8);
    xf_dict_set(a, d.u.d, XF_STR("execute"), xf_v_bool(rc->execute));
    if (rc->node) {
        struct xf_node *n = rc->node;
        xf_dict_set(a, d.u.d, XF_STR("this"),
                    rc->ut && rc->ut->this_cte ? xf_relation_cte(rc->s, a, rc->ut->this_cte)
                                               : node_relation(rc->s, a, n));
        /* sized for its eleven keys: outgrowing eight copied it every render */
        struct xf_value model = xf_v_dict(a, 11);
        xf_dict_set(a, model.u.d, XF_STR("name"), xf_v_strc(n->name));
        xf_dict_set(a, model.u.d, XF_STR("unique_id"), xf_v_strc(n->unique_id));
        xf_dict_set(a, model.u.d, XF_STR("resource_type"), xf_v_strc(xf_resource_name(n->type)));
        xf_dict_set(a, model.u.d, XF_STR("package_name"), xf_v_strc(n->package));
        xf_dict_set(a, model.u.d, XF_STR("path"), xf_v_strc(n->path ? n->path : ""));
        xf_dict_set(a, model.u.d, XF_STR("original_file_path"),
                    xf_v_strc(n->original_file_path ? n->original_file_path : ""));
        xf_dict_set(a, model.u.d, XF_STR("config"), n->config);
        /*
         * dbt 1.9's model.batch: id, event_time_start, event_time_end; a
         * microbatch model's first batch outside a batch's render, else none
         */
        struct xf_mb_batch first;
        const struct xf_mb_batch *mbb = rc->batch;
        if (!mbb && xf_mb_placeholder(n, a, &first))
            mbb = &first;
        /* parse mode: config() may not have run yet; any batch renders (dbt is lenient) */
        bool any = !mbb && !rc->execute && n->type == XF_RES_MODEL;
        xf_dict_set(a, model.u.d, XF_STR("batch"),
                    mbb   ? mbb->value
                    : any ? rc->s->mb_parse_batch
                          : xf_v_none());
        xf_dict_set(a, model.u.d, XF_STR("tags"), n->tags);
        xf_dict_set(a, model.u.d, XF_STR("fqn"), n->fqn);
        if (n->schema)
            xf_dict_set(a, model.u.d, XF_STR("schema"), xf_v_strc(n->schema));
        if (n->alias)
            xf_dict_set(a, model.u.d, XF_STR("alias"), xf_v_strc(n->alias));
        xf_dict_set(a, d.u.d, XF_STR("model"), model);
    }
    return d.u.d;
}

static void log_cb(void *user, const char *msg, bool info)
{
    struct xf_rctx *rc = user;
    if (!rc->execute || !rc->s->events || !rc->s->events->log)
        return;
    pthread_mutex_lock(&rc->s->lock);
    rc->s->events->log(rc->s->events->user, msg, info);
    pthread_mutex_unlock(&rc->s->lock);
}

const struct xf_dict *xf_session_globals(const struct xf_session *s, const char *package)
{
    const struct xf_dict *d = package ? xf_map_getc(&s->pkg_globals, package) : NULL;
    return d ? d : s->globals.u.d;
}

/* A package's macros see its own macros first (dbt's local namespace). */
static const struct xf_dict *package_scope(void *user, const char *package)
{
    const struct xf_rctx *rc = user;
    return xf_map_getc(&rc->s->pkg_macros, package);
}

void xf_context_env(struct xf_render_env *env, struct xf_rctx *rc)
{
    memset(env, 0, sizeof *env);
    env->arena = rc->arena;
    env->globals = xf_session_globals(rc->s, rc->node ? rc->node->package : rc->package);
    env->locals = xf_context_locals(rc);
    env->package_scope = package_scope;
    env->namespace_hint = "if '%s' is a package, list it in packages.yml and run 'xform deps'";
    env->user = rc;
    env->diags = rc->diags ? rc->diags : rc->s->diags;
    env->log = log_cb;
    env->warn_error = rc->execute && rc->s->warn_error_notes;
    /* a parse render that reads the clock is not kept in the parse records */
    env->impure = rc->rec ? &rc->rec->bad : NULL;
}
