// SPDX-License-Identifier: MIT
/*
 * dbt's Relation object as templates and packages use it: database,
 * schema, identifier, type, render(), include(), incorporate(), quote(),
 * without_identifier(), the mapping view (`relation is mapping`,
 * relation.get('metadata')) that dbt_utils' _is_relation checks, and
 * api.Relation.create(). Relations are immutable: every method returns a
 * new one in the render's arena.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/internal.h"

struct relation {
    struct xf_session *s;
    struct xf_relation rel;
    int kind;                        /* enum xf_relkind, or -1: not looked up yet */
    const char *type;                /* set by incorporate(type=...) / create(type=...) */
    bool inc_db, inc_schema, inc_id; /* include() policy: which parts render */
    bool cte;                        /* an ephemeral model's CTE: renders as its bare name */
    bool empty;                      /* --empty: renders as a subquery of zero rows */
    const char *window;              /* a microbatch's event_time condition, or NULL */
};

static const struct xf_obj_ops relation_ops;

static struct relation *rel_of(const struct xf_value *v)
{
    return v && v->t == XF_V_OBJ && v->u.o->ops == &relation_ops ? v->u.o->data : NULL;
}

const struct xf_relation *xf_relation_get(const struct xf_value *v)
{
    const struct relation *rel = rel_of(v);
    return rel ? &rel->rel : NULL;
}

void xf_relation_set_empty(struct xf_value *v)
{
    struct relation *rel = rel_of(v);
    if (rel)
        rel->empty = true;
}

void xf_event_time_where(struct xf_buf *out, const struct xf_adapter_ops *ops, const char *column,
                         long long start, long long end)
{
    long long t[2] = {start, end};
    for (int i = 0; i < 2; i++) {
        time_t tt = (time_t)t[i];
        struct tm tm;
        gmtime_r(&tt, &tm);
        if (i)
            xf_buf_adds(out, " and ");
        if (ops->event_time_column)
            xf_buf_addf(out, ops->event_time_column, column);
        else
            xf_buf_adds(out, column);
        xf_buf_addf(out, " %s '%04d-%02d-%02d %02d:%02d:%02d%s'", i ? "<" : ">=", tm.tm_year + 1900,
                    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                    ops->event_time_literal_suffix ? ops->event_time_literal_suffix : "");
    }
}

void xf_relation_set_window(struct xf_value *v, struct xf_arena *a, const char *column,
                            long long start, long long end)
{
    struct relation *rel = rel_of(v);
    if (!rel)
        return;
    struct xf_buf b = XF_BUF_INIT;
    xf_event_time_where(&b, rel->s->ops, column, start, end);
    rel->window = xf_arena_strndup(a, b.ptr, b.len);
    xf_buf_release(&b);
}

void xf_relation_set_kind(struct xf_value *v, int kind)
{
    struct relation *rel = rel_of(v);
    if (rel)
        rel->kind = kind;
}

static struct xf_value wrap(struct xf_arena *a, const struct relation *from)
{
    struct relation *rel = XF_ANEW(a, struct relation);
    *rel = *from;
    struct xf_obj *o = XF_ANEW(a, struct xf_obj);
    o->ops = &relation_ops;
    o->data = rel;
    return xf_v_obj(o);
}

struct xf_value xf_relation_value(struct xf_session *s, struct xf_arena *a, const char *database,
                                  const char *schema, const char *identifier)
{
    struct relation rel = {.s = s,
                           .rel = {database, schema, identifier},
                           .kind = -1,
                           .inc_db = true,
                           .inc_schema = true,
                           .inc_id = true};
    return wrap(a, &rel);
}

/* "table", "view" or NULL; the database is asked only when a template wants to know. */
static int relation_type(struct xf_render *r, const struct relation *rel, const char **out)
{
    *out = NULL;
    if (rel->type) {
        *out = rel->type;
        return 0;
    }
    int k = rel->kind;
    if (k < 0) {
        struct xf_rctx *rc = xf_render_user(r);
        if (!rc->execute || !rel->rel.identifier)
            return 0; /* parse mode: nothing is known yet */
        enum xf_relkind got;
        struct xf_buf err = XF_BUF_INIT;
        if (xf_rctx_existing(rc, rel->rel.schema, rel->rel.identifier, &got, &err) < 0) {
            xf_render_error(r, "could not look up relation '%s': %s", rel->rel.identifier, err.ptr);
            xf_buf_release(&err);
            return -1;
        }
        xf_buf_release(&err);
        k = (int)got;
    }
    *out = k == XF_REL_TABLE ? "table" : k == XF_REL_VIEW ? "view" : NULL;
    return 0;
}

static bool has(const char *s)
{
    return s && *s;
}

static void relation_name(struct xf_buf *out, const struct relation *rel);

/* What {{ relation }} renders: its name, or with --empty dbt's zero-row subquery. */
static void relation_str(struct xf_buf *out, const struct xf_obj *o)
{
    const struct relation *rel = o->data;
    if (rel->window && !rel->empty && !rel->cte) {
        /* dbt's event-time filtered relation: only the batch's window of rows */
        xf_buf_adds(out, "(select * from ");
        relation_name(out, rel);
        xf_buf_addf(out, " where %s) _dbt_et_filter_subq_%s", rel->window,
                    rel->rel.identifier ? rel->rel.identifier : "");
        return;
    }
    if (!rel->empty || rel->cte) {
        relation_name(out, rel);
        return;
    }
    xf_buf_adds(out, "(select * from ");
    relation_name(out, rel);
    xf_buf_addf(out, " where false limit 0) _dbt_limit_subq_%s",
                rel->rel.identifier ? rel->rel.identifier : "");
}

/* The SQL name: the adapter's rendering, less the parts include() left out. */
static void relation_name(struct xf_buf *out, const struct relation *rel)
{
    const struct xf_adapter_ops *ops = rel->s->ops;
    if (rel->cte) {
        xf_buf_adds(out, rel->rel.identifier);
        return;
    }
    if (rel->inc_db && rel->inc_schema && rel->inc_id && has(rel->rel.identifier)) {
        ops->render_relation(out, &rel->rel);
        return;
    }
    const char *parts[3] = {
        rel->inc_db && ops->database_names && has(rel->rel.database) ? rel->rel.database : NULL,
        rel->inc_schema && has(rel->rel.schema) ? rel->rel.schema : NULL,
        rel->inc_id && has(rel->rel.identifier) ? rel->rel.identifier : NULL};
    bool first = true;
    for (int i = 0; i < 3; i++) {
        if (!parts[i])
            continue;
        if (!first)
            xf_buf_addch(out, '.');
        ops->quote(out, parts[i]);
        first = false;
    }
}

static struct xf_value str_or_none(const char *s)
{
    return s ? xf_v_strc(s) : xf_v_none();
}

/* The relation as dbt's to_dict() shows it (the mapping view). */
static struct xf_value as_dict(struct xf_render *r, const struct relation *rel)
{
    struct xf_arena *a = xf_render_arena(r);
    struct xf_value path = xf_v_dict(a, 3);
    xf_dict_set(a, path.u.d, XF_STR("database"), str_or_none(rel->rel.database));
    xf_dict_set(a, path.u.d, XF_STR("schema"), str_or_none(rel->rel.schema));
    xf_dict_set(a, path.u.d, XF_STR("identifier"), str_or_none(rel->rel.identifier));
    struct xf_value meta = xf_v_dict(a, 1);
    /* dbt's class name, "<Adapter>Relation": dbt_utils' _is_relation checks
     * that the type ends with "Relation". */
    char *cls = xf_arena_printf(a, "%sRelation", rel->s->ops->name);
    cls[0] = (char)toupper((unsigned char)cls[0]);
    xf_dict_set(a, meta.u.d, XF_STR("type"), xf_v_strc(cls));
    struct xf_value d = xf_v_dict(a, 4);
    xf_dict_set(a, d.u.d, XF_STR("path"), path);
    xf_dict_set(a, d.u.d, XF_STR("metadata"), meta);
    const char *type = rel->type                   ? rel->type
                       : rel->kind == XF_REL_TABLE ? "table"
                       : rel->kind == XF_REL_VIEW  ? "view"
                                                   : NULL;
    xf_dict_set(a, d.u.d, XF_STR("type"), str_or_none(type));
    struct xf_value pol = xf_v_dict(a, 3);
    xf_dict_set(a, pol.u.d, XF_STR("database"), xf_v_bool(rel->inc_db));
    xf_dict_set(a, pol.u.d, XF_STR("schema"), xf_v_bool(rel->inc_schema));
    xf_dict_set(a, pol.u.d, XF_STR("identifier"), xf_v_bool(rel->inc_id));
    xf_dict_set(a, d.u.d, XF_STR("include_policy"), pol);
    return d;
}

/* ---- methods ---- */

#define SELF(f) ((const struct relation *)(f)->self)

static int m_render(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                    const struct xf_args *a)
{
    struct xf_buf b = XF_BUF_INIT;
    relation_name(&b, SELF(self)); /* dbt's render() is the plain name, also with --empty */
    *out = xf_v_str((struct xf_str){xf_arena_strndup(xf_render_arena(r), b.ptr, b.len), b.len});
    xf_buf_release(&b);
    return 0;
}

/* A bool-ish keyword argument: NULL when not given. */
static int opt_bool(struct xf_render *r, const struct xf_args *a, size_t pos, const char *kw,
                    bool *out, bool *given)
{
    const struct xf_value *v = xf_arg(a, pos, kw);
    *given = v && v->t != XF_V_UNDEF && v->t != XF_V_NONE;
    if (*given)
        *out = xf_value_truthy(v);
    return 0;
}

static int m_include(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                     const struct xf_args *a)
{
    struct relation rel = *SELF(self);
    bool v, given;
    opt_bool(r, a, 0, "database", &v, &given);
    if (given)
        rel.inc_db = v;
    opt_bool(r, a, 1, "schema", &v, &given);
    if (given)
        rel.inc_schema = v;
    opt_bool(r, a, 2, "identifier", &v, &given);
    if (given)
        rel.inc_id = v;
    *out = wrap(xf_render_arena(r), &rel);
    return 0;
}

static int m_quote(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                   const struct xf_args *a)
{
    /* xform always quotes names (as dbt-postgres' default policy). */
    *out = wrap(xf_render_arena(r), SELF(self));
    return 0;
}

static int m_without_identifier(struct xf_value *out, struct xf_render *r,
                                const struct xf_func *self, const struct xf_args *a)
{
    struct relation rel = *SELF(self);
    rel.inc_id = false;
    *out = wrap(xf_render_arena(r), &rel);
    return 0;
}

static const char *str_arg(struct xf_render *r, const struct xf_value *v)
{
    if (!v || v->t == XF_V_UNDEF || v->t == XF_V_NONE)
        return NULL;
    struct xf_buf b = XF_BUF_INIT;
    xf_value_str(&b, v);
    char *s = xf_arena_strndup(xf_render_arena(r), b.ptr, b.len);
    xf_buf_release(&b);
    return s;
}

/* incorporate(path={database, schema, identifier}, type=...) */
static int m_incorporate(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                         const struct xf_args *a)
{
    struct relation rel = *SELF(self);
    const struct xf_value *path = xf_arg(a, 0, "path");
    if (path && path->t == XF_V_DICT) {
        const struct xf_value *v;
        if ((v = xf_dict_getc(path->u.d, "database")))
            rel.rel.database = str_arg(r, v);
        if ((v = xf_dict_getc(path->u.d, "schema")))
            rel.rel.schema = str_arg(r, v);
        if ((v = xf_dict_getc(path->u.d, "identifier")))
            rel.rel.identifier = str_arg(r, v);
    } else if (path && path->t != XF_V_UNDEF && path->t != XF_V_NONE) {
        return xf_render_error(r, "relation.incorporate(path=...) takes a mapping of database, "
                                  "schema and identifier");
    }
    const char *type = str_arg(r, xf_arg(a, 1, "type"));
    if (type) {
        rel.type = type;
        rel.kind = !strcmp(type, "table") ? XF_REL_TABLE : !strcmp(type, "view") ? XF_REL_VIEW : -1;
    }
    *out = wrap(xf_render_arena(r), &rel);
    return 0;
}

static int m_get(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                 const struct xf_args *a)
{
    const char *key = str_arg(r, xf_arg(a, 0, "key"));
    const struct xf_value *def = xf_arg(a, 1, "default");
    struct xf_value d = as_dict(r, SELF(self));
    const struct xf_value *v = key ? xf_dict_getc(d.u.d, key) : NULL;
    *out = v ? *v : def && def->t != XF_V_UNDEF ? *def : xf_v_none();
    return 0;
}

static int m_to_dict(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                     const struct xf_args *a)
{
    *out = as_dict(r, SELF(self));
    return 0;
}

static const struct {
    const char *name;
    xf_native_fn fn;
} methods[] = {
    {"render", m_render},
    {"include", m_include},
    {"quote", m_quote},
    {"without_identifier", m_without_identifier},
    {"incorporate", m_incorporate},
    {"get", m_get},
    {"to_dict", m_to_dict},
};

static int relation_getattr(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                            struct xf_str name)
{
    const struct relation *rel = o->data;
    const char *type;
    if (xf_str_eqc(name, "database")) {
        *out = str_or_none(rel->rel.database);
    } else if (xf_str_eqc(name, "schema")) {
        *out = str_or_none(rel->rel.schema);
    } else if (xf_str_eqc(name, "identifier") || xf_str_eqc(name, "name") ||
               xf_str_eqc(name, "table")) {
        *out = str_or_none(rel->rel.identifier);
    } else if (xf_str_eqc(name, "type")) {
        if (relation_type(r, rel, &type) < 0)
            return -1;
        *out = str_or_none(type);
    } else if (xf_str_eqc(name, "is_table") || xf_str_eqc(name, "is_view")) {
        if (relation_type(r, rel, &type) < 0)
            return -1;
        *out = xf_v_bool(type && !strcmp(type, xf_str_eqc(name, "is_table") ? "table" : "view"));
    } else if (xf_str_eqc(name, "is_cte")) {
        *out = xf_v_bool(rel->cte);
    } else if (xf_str_eqc(name, "is_materialized_view")) {
        *out = xf_v_bool(false);
    } else if (xf_str_eqc(name, "metadata") || xf_str_eqc(name, "path") ||
               xf_str_eqc(name, "include_policy")) {
        struct xf_value d = as_dict(r, rel);
        *out = *xf_dict_get(d.u.d, name);
    } else {
        for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
            if (!xf_str_eqc(name, methods[i].name))
                continue;
            struct xf_func *f = XF_ANEW(xf_render_arena(r), struct xf_func);
            f->name = methods[i].name;
            f->fn = methods[i].fn;
            f->self = rel;
            *out = xf_v_func(f);
            return 0;
        }
        return 1;
    }
    return 0;
}

struct xf_value xf_relation_cte(struct xf_session *s, struct xf_arena *a, const char *name)
{
    struct relation rel = {
        .s = s, .rel = {NULL, NULL, name}, .kind = -1, .inc_id = true, .cte = true};
    return wrap(a, &rel);
}

/* relation['schema'] as relation.get('schema'). */
static int relation_getitem(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                            const struct xf_value *key)
{
    if (!key || key->t != XF_V_STR)
        return 1;
    struct xf_value d = as_dict(r, o->data);
    const struct xf_value *v = xf_dict_get(d.u.d, key->u.s);
    if (!v) /* as Jinja's getitem: an attribute when there is no such item */
        return relation_getattr(out, r, o, key->u.s);
    *out = *v;
    return 0;
}

static const struct xf_obj_ops relation_ops = {
    .type_name = "relation",
    .getattr = relation_getattr,
    .getitem = relation_getitem,
    .str = relation_str,
    .is_mapping = true,
};

/* api.Relation.create(database=None, schema=None, identifier=None, type=None) */
int xf_relation_create_fn(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                          const struct xf_args *a)
{
    struct xf_rctx *rc = xf_render_user(r);
    struct relation rel = {
        .s = rc->s, .kind = -1, .inc_db = true, .inc_schema = true, .inc_id = true};
    rel.rel.database = str_arg(r, xf_arg(a, 0, "database"));
    rel.rel.schema = str_arg(r, xf_arg(a, 1, "schema"));
    rel.rel.identifier = str_arg(r, xf_arg(a, 2, "identifier"));
    const char *type = str_arg(r, xf_arg(a, 3, "type"));
    if (type) {
        rel.type = type;
        rel.kind = !strcmp(type, "table") ? XF_REL_TABLE : !strcmp(type, "view") ? XF_REL_VIEW : -1;
    }
    *out = wrap(rc->arena, &rel);
    return 0;
}
