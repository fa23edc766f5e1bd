// SPDX-License-Identifier: MIT
/*
 * What dbt-postgres does around a build besides the build itself: the query
 * comment every statement carries, and after a relation is built its
 * indexes, grants (the difference between configured and current
 * privileges) and persisted descriptions; materialized views. The SQL is
 * the adapter's (its optional ops); an adapter without an op has no such
 * thing and the loader warned where the project asks for it.
 * docs/materializations.md, "Postgres extras".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/internal.h"
#include "templating/jinja.h"

/* ---- query comment ------------------------------------------------ */

/* A JSON string; '/' after '*' escaped so the text can never end the comment. */
static void json_str(struct xf_buf *b, const char *s)
{
    xf_buf_addch(b, '"');
    for (const char *p = s ? s : ""; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '"' || ch == '\\')
            xf_buf_addf(b, "\\%c", ch);
        else if (ch == '/' && p > s && p[-1] == '*')
            xf_buf_adds(b, "\\/");
        else if (ch < 0x20)
            xf_buf_addf(b, "\\u%04x", ch);
        else
            xf_buf_addch(b, (char)ch);
    }
    xf_buf_addch(b, '"');
}

/* dbt's default comment, with app "xform": {"app": ..., "node_id": ...}. */
static const char *default_comment(struct xf_session *s, const struct xf_node *n,
                                   struct xf_arena *a)
{
    const struct xf_target *t = &s->p->target;
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_adds(&b, "{\"app\": \"xform\", \"dbt_version\": ");
    json_str(&b, XF_VERSION);
    xf_buf_adds(&b, ", \"profile_name\": ");
    json_str(&b, t->profile_name ? t->profile_name : "");
    xf_buf_adds(&b, ", \"target_name\": ");
    json_str(&b, t->name ? t->name : "");
    if (n) {
        xf_buf_adds(&b, ", \"node_id\": ");
        json_str(&b, n->unique_id);
    }
    xf_buf_addch(&b, '}');
    const char *out = xf_arena_strndup(a, b.ptr, b.len);
    xf_buf_release(&b);
    return out;
}

/* The project's query-comment rendered for n (NULL: outside a node), in a. */
static int custom_comment(struct xf_session *s, struct xf_conn *c, struct xf_node *n,
                          struct xf_arena *a, const char **out, struct xf_buf *err)
{
    struct xf_source *src = XF_ANEW(a, struct xf_source);
    src->path = xf_arena_strdup(a, "query-comment of the project file");
    src->text = s->p->query_comment;
    src->len = strlen(src->text);
    struct xf_rctx rc = {.s = s, .node = n, .execute = true, .conn = c, .arena = a};
    struct xf_render_env env;
    xf_context_env(&env, &rc);
    struct xf_dict *locals = (struct xf_dict *)env.locals;
    const struct xf_value *model = locals ? xf_dict_getc(locals, "model") : NULL;
    if (locals) {
        xf_dict_set(a, locals, XF_STR("node"), model ? *model : xf_v_none());
        xf_dict_set(a, locals, XF_STR("dbt_version"), xf_v_strc(XF_VERSION));
    }
    struct xf_diags local;
    xf_diags_init(&local);
    env.diags = &local;
    const struct xf_tmpl *t;
    struct xf_buf text = XF_BUF_INIT;
    int e = xf_tmpl_parse(&t, a, src, 0, src->len, &local);
    if (!e)
        e = xf_render_template(&text, t, &env);
    if (e < 0) {
        xf_buf_adds(err, "the project's query-comment could not be rendered: ");
        for (struct xf_diag *g = local.head; g; g = g->next)
            xf_diag_format(err, g, false);
    } else if (strstr(text.ptr, "*/")) {
        xf_buf_adds(err, "the project's query-comment contains '*/', which would end the "
                         "comment early: remove it from the comment");
        e = -1;
    } else {
        struct xf_str v = xf_str_trim(xf_buf_str(&text));
        *out = v.len ? xf_arena_strndup(a, v.p, v.len) : NULL;
    }
    xf_diags_release(&local);
    xf_buf_release(&text);
    return e < 0 ? -1 : 0;
}

static int comment_for(struct xf_session *s, struct xf_conn *c, struct xf_node *n,
                       struct xf_arena *a, const char **out, struct xf_buf *err)
{
    *out = NULL;
    if (s->p->query_comment_off)
        return 0;
    if (!s->p->query_comment) {
        *out = default_comment(s, n, a);
        return 0;
    }
    return custom_comment(s, c, n, a, out, err);
}

int xf_extras_conn(struct xf_session *s, struct xf_conn *c, struct xf_buf *err)
{
    if (!c)
        return 0;
    /* the run's connections are opened one after the other, before the workers start:
     * no lock (the render may log, which takes the session's lock) */
    int e = 0;
    if (!s->query_comment_ready) {
        e = comment_for(s, c, NULL, &s->arena, &s->query_comment, err);
        s->query_comment_ready = e == 0;
    }
    c->node = (struct xf_conn_node){.comment = s->query_comment,
                                    .comment_append = s->p->query_comment_append};
    return e;
}

static bool builds_table(const struct xf_node *n)
{
    return n->mat == XF_MAT_TABLE || n->mat == XF_MAT_INCREMENTAL;
}

int xf_extras_begin(struct xf_session *s, struct xf_conn *c, struct xf_node *n, struct xf_arena *a,
                    struct xf_buf *err)
{
    if (!c)
        return 0;
    const char *comment = NULL;
    if (comment_for(s, c, n, a, &comment, err) < 0)
        return -1;
    c->node = (struct xf_conn_node){
        .comment = comment,
        .comment_append = s->p->query_comment_append,
        .unlogged =
            n->type == XF_RES_MODEL && builds_table(n) && xf_node_config_bool(n, "unlogged", false),
    };
    return 0;
}

void xf_extras_end(struct xf_session *s, struct xf_conn *c)
{
    if (!c)
        return;
    c->node = (struct xf_conn_node){.comment = s->query_comment_ready ? s->query_comment : NULL,
                                    .comment_append = s->p->query_comment_append};
}

const char *xf_extras_logged(struct xf_arena *a, const struct xf_conn *c, const char *executed)
{
    if (!c || !c->node.comment)
        return xf_arena_strdup(a, executed);
    return c->node.comment_append ? xf_arena_printf(a, "%s/* %s */\n", executed, c->node.comment)
                                  : xf_arena_printf(a, "/* %s */\n%s", c->node.comment, executed);
}

/* ---- indexes ------------------------------------------------------ */

/*
 * The indexes config of n as index structs in a: a list of {columns: [..],
 * unique: bool, type: '..'}; a bad entry is an error naming the node.
 */
static int parse_indexes(const struct xf_node *n, struct xf_arena *a, struct xf_index **out,
                         size_t *nout, struct xf_buf *err)
{
    *out = NULL;
    *nout = 0;
    const struct xf_value *v = xf_node_config(n, "indexes");
    if (!v || v->t == XF_V_NONE || v->t == XF_V_UNDEF)
        return 0;
    if (v->t != XF_V_LIST) {
        xf_buf_addf(err,
                    "the indexes config of '%s' must be a list of {columns: [...], "
                    "unique: true|false, type: '...'}",
                    n->name);
        return -1;
    }
    *out = XF_ANEWN(a, struct xf_index, v->u.l->n ? v->u.l->n : 1);
    for (size_t i = 0; i < v->u.l->n; i++) {
        const struct xf_value *e = &v->u.l->items[i];
        const struct xf_value *cols = e->t == XF_V_DICT ? xf_dict_getc(e->u.d, "columns") : NULL;
        if (!cols || cols->t != XF_V_LIST || !cols->u.l->n) {
            xf_buf_addf(err,
                        "index %zu of '%s' needs 'columns': a list of column names, "
                        "as indexes: [{columns: ['id'], unique: true}]",
                        i + 1, n->name);
            return -1;
        }
        const char **names = XF_ANEWN(a, const char *, cols->u.l->n);
        for (size_t k = 0; k < cols->u.l->n; k++) {
            const struct xf_value *cv = &cols->u.l->items[k];
            if (cv->t != XF_V_STR) {
                xf_buf_addf(err, "index %zu of '%s': its columns must be names (strings)", i + 1,
                            n->name);
                return -1;
            }
            names[k] = xf_arena_strndup(a, cv->u.s.p, cv->u.s.len);
        }
        struct xf_index *ix = &(*out)[(*nout)++];
        ix->columns = names;
        ix->ncolumns = cols->u.l->n;
        const struct xf_value *u = xf_dict_getc(e->u.d, "unique");
        ix->unique = u && xf_value_truthy(u);
        const struct xf_value *t = xf_dict_getc(e->u.d, "type");
        if (t && t->t == XF_V_STR && t->u.s.len)
            ix->type = xf_arena_strndup(a, t->u.s.p, t->u.s.len);
        for (const char *p = ix->type; p && *p; p++) {
            if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9'))) {
                xf_buf_addf(err,
                            "index %zu of '%s' has type '%s': an index method is a plain "
                            "name such as btree, hash, gin, gist or brin",
                            i + 1, n->name, ix->type);
                return -1;
            }
        }
    }
    return 0;
}

/* ---- grants ------------------------------------------------------- */

static bool same_name(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

/* Whether `grantee` holds `privilege` in the list. */
static bool has_grant(const struct xf_grant *g, size_t n, const char *privilege,
                      const char *grantee)
{
    for (size_t i = 0; i < n; i++)
        if (same_name(g[i].privilege, privilege) && same_name(g[i].grantee, grantee))
            return true;
    return false;
}

/*
 * dbt's apply_grants: for each configured privilege, revoke it from the
 * roles that hold it but are not listed, grant it to those listed that
 * lack it. Privileges the config does not name are left alone; an empty
 * grants config does nothing (as dbt). A new relation holds no grants, so
 * this is just the grants then.
 */
static int apply_grants(struct xf_conn *c, const struct xf_relation *rel,
                        const struct xf_dict *conf, struct xf_arena *a, struct xf_buf *executed,
                        struct xf_buf *err)
{
    struct xf_grant *cur = NULL;
    size_t ncur = 0;
    if (c->ops->show_grants(c, rel, a, &cur, &ncur, err) < 0)
        return -1;
    for (size_t i = 0; i < conf->n; i++) {
        const char *priv = xf_arena_strndup(a, conf->ents[i].key.p, conf->ents[i].key.len);
        const struct xf_value *v = &conf->ents[i].val;
        size_t nwant = v->t == XF_V_LIST ? v->u.l->n : v->t == XF_V_STR ? 1 : 0;
        const struct xf_value *items = v->t == XF_V_LIST ? v->u.l->items : v;
        if (v->t != XF_V_LIST && v->t != XF_V_STR && v->t != XF_V_NONE) {
            xf_buf_addf(err, "grants: '%s' must list role names, as {%s: ['role_a']}", priv, priv);
            return -1;
        }
        const char **give = XF_ANEWN(a, const char *, nwant ? nwant : 1);
        const char **take = XF_ANEWN(a, const char *, ncur ? ncur : 1);
        size_t ngive = 0, ntake = 0;
        for (size_t k = 0; k < nwant; k++) {
            if (items[k].t != XF_V_STR) {
                xf_buf_addf(err, "grants: the roles of '%s' must be names (strings)", priv);
                return -1;
            }
            const char *role = xf_arena_strndup(a, items[k].u.s.p, items[k].u.s.len);
            if (!has_grant(cur, ncur, priv, role))
                give[ngive++] = role;
        }
        for (size_t k = 0; k < ncur; k++) {
            if (!same_name(cur[k].privilege, priv))
                continue;
            bool wanted = false;
            for (size_t j = 0; j < nwant && !wanted; j++)
                wanted = items[j].t == XF_V_STR && items[j].u.s.len == strlen(cur[k].grantee) &&
                         !strncasecmp(items[j].u.s.p, cur[k].grantee, items[j].u.s.len);
            if (!wanted)
                take[ntake++] = cur[k].grantee;
        }
        if (ntake && c->ops->grant(c, rel, true, priv, take, ntake, executed, err) < 0)
            return -1;
        if (ngive && c->ops->grant(c, rel, false, priv, give, ngive, executed, err) < 0)
            return -1;
    }
    return 0;
}

/* ---- persist_docs ------------------------------------------------- */

static int persist_docs(struct xf_conn *c, const struct xf_node *n, const struct xf_relation *rel,
                        const struct xf_value *pd, struct xf_arena *a, struct xf_buf *executed,
                        struct xf_buf *err)
{
    const struct xf_value *rv = xf_dict_getc(pd->u.d, "relation");
    const struct xf_value *cv = xf_dict_getc(pd->u.d, "columns");
    if (rv && xf_value_truthy(rv) && n->description && *n->description &&
        c->ops->comment(c, rel, NULL, false, n->description, executed, err) < 0)
        return -1;
    if (!cv || !xf_value_truthy(cv) || !n->columns.n)
        return 0;
    struct xf_column_info *cols = NULL;
    size_t ncols = 0;
    if (c->ops->columns(c, rel, a, &cols, &ncols, err) < 0)
        return -1;
    /* as dbt: only columns the relation has; the relation's spelling of the name */
    for (size_t i = 0; i < n->columns.n; i++) {
        const struct xf_column *col = &n->columns.v[i];
        if (!col->description || !*col->description)
            continue;
        for (size_t k = 0; k < ncols; k++) {
            if (!same_name(cols[k].name, col->name))
                continue;
            if (c->ops->comment(c, rel, cols[k].name, true, col->description, executed, err) < 0)
                return -1;
            break;
        }
    }
    return 0;
}

/* ---- after a build ------------------------------------------------ */

/* Where a node's config is seen: its properties entry, else its file. */
static struct xf_loc node_loc(const struct xf_node *n)
{
    if (n->props_loc.src)
        return n->props_loc;
    return (struct xf_loc){n->src, 0, 0};
}

static bool builds_relation(const struct xf_node *n)
{
    if (n->type == XF_RES_SEED || n->type == XF_RES_SNAPSHOT)
        return true;
    return n->type == XF_RES_MODEL && n->mat != XF_MAT_EPHEMERAL;
}

/* A node's indexes, grants and persist_docs on its relation, of that kind. */
static int apply_extras(struct xf_session *s, struct xf_conn *c, struct xf_node *n,
                        enum xf_relkind kind, struct xf_buf *executed, struct xf_buf *err)
{
    const struct xf_value *grants = xf_node_config(n, "grants");
    const struct xf_value *pd = xf_node_config(n, "persist_docs");
    const struct xf_value *ix = xf_node_config(n, "indexes");
    bool want_grants = grants && grants->t == XF_V_DICT && grants->u.d->n && c->ops->grant;
    bool want_docs = pd && pd->t == XF_V_DICT && c->ops->comment;
    bool matview = n->mat == XF_MAT_OTHER && !strcmp(n->mat_name, "materialized_view");
    /* a materialized view's indexes are the adapter's, with the view */
    bool want_ix = ix && ix->t != XF_V_NONE && ix->t != XF_V_UNDEF &&
                   !(ix->t == XF_V_LIST && !ix->u.l->n) && c->ops->create_index && !matview;
    if (!want_grants && !want_docs && !want_ix)
        return 0;
    struct xf_relation rel = {n->database, n->schema, n->alias};
    struct xf_arena a;
    xf_arena_init(&a);
    int e = 0;
    if (want_ix && kind != XF_REL_TABLE) {
        xf_diag_add(s->diags, XF_SEV_WARNING, node_loc(n),
                    "the indexes of '%s' are not created: it is a view, and a view has no "
                    "indexes (materialize it as a table)",
                    n->name);
    } else if (want_ix) {
        struct xf_index *list;
        size_t nl;
        e = parse_indexes(n, &a, &list, &nl, err);
        for (size_t i = 0; e >= 0 && i < nl; i++) {
            e = c->ops->create_index(c, &rel, &list[i], executed, err);
            if (e == 1) /* built, but the warehouse has one kind of index */
                xf_diag_add(s->diags, XF_SEV_WARNING, node_loc(n),
                            "index %zu of '%s' has type '%s', which %s does not have: a plain "
                            "index was created",
                            i + 1, n->name, list[i].type, c->ops->name);
        }
        e = e < 0 ? -1 : 0;
    }
    if (!e && want_grants)
        e = apply_grants(c, &rel, grants->u.d, &a, executed, err);
    if (!e && want_docs)
        e = persist_docs(c, n, &rel, pd, &a, executed, err);
    xf_arena_release(&a);
    return e < 0 ? -1 : 0;
}

int xf_extras_after_build(struct xf_session *s, struct xf_conn *c, struct xf_node *n,
                          const struct xf_node_result *r, struct xf_buf *executed,
                          struct xf_buf *err)
{
    /* a {% materialization %} block applies its own, as in dbt (it calls
     * apply_grants, persist_docs, create_indexes: engine/custom_mat.c);
     * a replaced table had them in its swap's transaction (the hook below) */
    if (!builds_relation(n) ||
        (r->status != XF_ST_SUCCESS && r->status != XF_ST_PARTIAL_SUCCESS) || n->mat_macro ||
        r->extras_applied)
        return 0;
    return apply_extras(s, c, n, xf_session_existing(s, n->schema, n->alias), executed, err);
}

static int extras_before_commit(void *user, struct xf_conn *c, struct xf_buf *executed,
                                 struct xf_buf *err)
{
    struct xf_extras_hook *h = user;
    if (apply_extras(h->s, c, h->n, XF_REL_TABLE, executed, err) < 0 ||
        xf_run_post_hooks_inside(h->s, c, h->n, executed, err) < 0)
        return -1;
    h->r->extras_applied = true;
    return 0;
}

const struct xf_commit_hook *xf_extras_hook(struct xf_extras_hook *h, struct xf_session *s,
                                            struct xf_node *n, struct xf_node_result *r)
{
    if (!builds_relation(n) || n->mat_macro)
        return NULL;
    *h = (struct xf_extras_hook){s, n, r, {extras_before_commit, h}};
    return &h->hook;
}

/* ---- materialized views ------------------------------------------- */

int xf_extras_matview(struct xf_session *s, struct xf_conn *c, struct xf_node *n, const char *sql,
                      struct xf_buf *executed, struct xf_node_result *r, struct xf_buf *err)
{
    if (!c->ops->materialized_view) { /* the loader refuses this; a custom adapter may not */
        xf_buf_addf(err, "model '%s': %s has no materialized views: use materialized='table'",
                    n->name, c->ops->name);
        return -1;
    }
    const char *on_change = xf_node_config_str(n, "on_configuration_change", "apply");
    if (strcmp(on_change, "apply") && strcmp(on_change, "continue") && strcmp(on_change, "fail")) {
        xf_buf_addf(err,
                    "model '%s' has on_configuration_change '%s': it must be apply, continue "
                    "or fail",
                    n->name, on_change);
        return -1;
    }
    if (c->ops->ensure_schema(c, n->schema, err) < 0)
        return -1;
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_index *ix = NULL;
    size_t nix = 0;
    struct xf_buf note = XF_BUF_INIT;
    const char *message = NULL;
    struct xf_relation rel = {n->database, n->schema, n->alias};
    int e = parse_indexes(n, &a, &ix, &nix, err);
    bool full = xf_node_full_refresh(s, n);
    if (!e)
        e = c->ops->materialized_view(c, &rel, sql, full, on_change, ix, nix, &message, &note,
                                      executed, err);
    if (!e) {
        if (note.len)
            xf_diag_add(s->diags, XF_SEV_WARNING, node_loc(n), "%s", note.ptr);
        r->status = XF_ST_SUCCESS;
        r->message = message ? message : "REFRESH MATERIALIZED VIEW";
        xf_session_mark_existing(s, n->schema, n->alias, XF_REL_VIEW);
    }
    xf_buf_release(&note);
    xf_arena_release(&a);
    return e < 0 ? -1 : 0;
}

int xf_extras_check(struct xf_diags *d, const struct xf_node *n,
                    struct xf_loc (*at)(void *user, const char *key), void *user)
{
    int e = 0;
    const struct xf_value *g = xf_node_config(n, "grants");
    if (g && g->t != XF_V_NONE && g->t != XF_V_UNDEF && g->t != XF_V_DICT) {
        struct xf_diag *x = xf_diag_add(
            d, XF_SEV_ERROR, at(user, "grants"),
            "the grants of '%s' must be a mapping of privilege to roles, not %s", n->name,
            xf_value_type_name(g));
        xf_diag_hint(x, "grants: {select: ['reporter', 'bi']}");
        e = -1;
    } else if (g && g->t == XF_V_DICT) {
        for (size_t i = 0; i < g->u.d->n; i++) {
            const struct xf_value *v = &g->u.d->ents[i].val;
            bool ok = v->t == XF_V_STR || v->t == XF_V_NONE;
            if (v->t == XF_V_LIST) {
                ok = true;
                for (size_t k = 0; k < v->u.l->n; k++)
                    ok = ok && v->u.l->items[k].t == XF_V_STR;
            }
            if (!ok) {
                struct xf_diag *x =
                    xf_diag_add(d, XF_SEV_ERROR, at(user, "grants"),
                                "grants of '%s': '" XF_STR_FMT "' must list role names", n->name,
                                XF_STR_ARG(g->u.d->ents[i].key));
                xf_diag_hint(x, "grants: {" XF_STR_FMT ": ['role_a', 'role_b']}",
                             XF_STR_ARG(g->u.d->ents[i].key));
                e = -1;
            }
        }
    }
    const struct xf_value *pd = xf_node_config(n, "persist_docs");
    if (pd && pd->t != XF_V_NONE && pd->t != XF_V_UNDEF && pd->t != XF_V_DICT) {
        struct xf_diag *x =
            xf_diag_add(d, XF_SEV_ERROR, at(user, "persist_docs"),
                        "the persist_docs of '%s' must be a mapping, not %s", n->name,
                        xf_value_type_name(pd));
        xf_diag_hint(x, "persist_docs: {relation: true, columns: true}");
        e = -1;
    }
    return e;
}

int xf_matview_unsupported(struct xf_session *s, struct xf_diags *d, const struct xf_node *n,
                           struct xf_loc at)
{
    struct xf_diag *g =
        xf_diag_add(d, XF_SEV_ERROR, at, "model '%s' is a materialized view, and %s has none",
                    n->name, s->ops->name);
    xf_diag_hint(g, "use materialized='table' (a table built each run is what a materialized "
                    "view is), or build it on a target whose warehouse has them");
    return -1;
}
