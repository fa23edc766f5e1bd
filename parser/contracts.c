// SPDX-License-Identifier: MIT
/*
 * Constraints of a properties file (a column's `constraints:` and the
 * model-level list): read into struct xf_constraint and checked at load,
 * so that an unknown type, a check without its expression or a constraint
 * on an undeclared column stops the project before anything runs. A
 * foreign key's `to: ref('x')` becomes a dependency of the model (the
 * parent is built first and its relation is what the key references).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser/loader.h"

static const char *const constraint_types[] = {"not_null",    "unique", "primary_key",
                                               "foreign_key", "check",  "custom"};
static const char *const constraint_keys[] = {
    "type", "name",       "expression", "warn_unenforced", "warn_unsupported",
    "to",   "to_columns", "columns"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int string_list(struct xf_loader *l, const struct xf_ynode *v, const char *what,
                       struct xf_constraint *c, bool to_columns)
{
    if (v->kind == XF_Y_SCALAR && !xf_ynode_is_null(v)) {
        if (to_columns)
            xf_avec_push(l->a, &c->to_columns, v->str.p);
        else
            xf_avec_push(l->a, &c->columns, v->str.p);
        return 0;
    }
    if (xf_ynode_is_null(v))
        return 0;
    if (v->kind != XF_Y_SEQ)
        return xf_error(l->diags, v->loc, "'%s' must be a list of column names", what);
    for (size_t i = 0; i < v->n; i++) {
        const char *s;
        if (xf_loader_want_str(l, v->items[i], what, &s) < 0)
            return -1;
        if (to_columns)
            xf_avec_push(l->a, &c->to_columns, s);
        else
            xf_avec_push(l->a, &c->columns, s);
    }
    return 0;
}

/* `ref('x')`, `ref('pkg', 'x')`, `source('s', 't')`: the quoted arguments. */
static int call_args(const char *s, const char *fn, const char **args, size_t *nargs,
                     struct xf_arena *a)
{
    size_t fl = strlen(fn);
    while (*s == ' ')
        s++;
    if (strncmp(s, fn, fl) != 0)
        return -1;
    s += fl;
    while (*s == ' ')
        s++;
    if (*s++ != '(')
        return -1;
    *nargs = 0;
    for (;;) {
        while (*s == ' ')
            s++;
        if (*s == ')')
            break;
        char q = *s;
        if ((q != '\'' && q != '"') || *nargs == 2)
            return -1;
        const char *e = strchr(s + 1, q);
        if (!e)
            return -1;
        args[(*nargs)++] = xf_arena_strndup(a, s + 1, (size_t)(e - s - 1));
        s = e + 1;
        while (*s == ' ')
            s++;
        if (*s == ',')
            s++;
        else if (*s != ')')
            return -1;
    }
    s++;
    while (*s == ' ')
        s++;
    return *s || *nargs == 0 ? -1 : 0;
}

static int foreign_to(struct xf_loader *l, const struct xf_ynode *v, struct xf_constraint *c,
                      struct xf_node *n)
{
    if (xf_loader_want_str(l, v, "to", &c->to) < 0)
        return -1;
    const char *args[2];
    size_t na = 0;
    if (call_args(c->to, "ref", args, &na, l->a) == 0) {
        c->to_name = args[na - 1];
        struct xf_dep d = {na == 2 ? args[0] : NULL, c->to_name, v->loc, NULL, NULL};
        if (n)
            xf_avec_push(l->a, &n->refs, d);
        return 0;
    }
    if (call_args(c->to, "source", args, &na, l->a) == 0 && na == 2) {
        c->to_source = args[0];
        c->to_name = args[1];
        struct xf_dep d = {args[0], args[1], v->loc, NULL, NULL};
        if (n)
            xf_avec_push(l->a, &n->source_deps, d);
        return 0;
    }
    struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, v->loc,
                                    "a foreign key's 'to' must be ref('model') or "
                                    "source('source', 'table'), not '%s'",
                                    c->to);
    xf_diag_hint(g, "for example 'to: ref(\"customers\")' with 'to_columns: [id]'");
    return -1;
}

int xf_loader_constraint(struct xf_loader *l, const struct xf_ynode *e, bool model_level,
                         struct xf_node *n, struct xf_constraint *out)
{
    memset(out, 0, sizeof *out);
    out->warn_unenforced = out->warn_unsupported = true;
    out->loc = e->loc;
    if (e->kind != XF_Y_MAP) {
        struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, e->loc,
                                        "a constraint must be a mapping with a 'type'");
        xf_diag_hint(g, "for example '- type: not_null'");
        return -1;
    }
    int err = 0;
    for (size_t i = 0; i < e->n; i++) {
        const struct xf_ynode *k = e->keys[i], *v = e->items[i];
        if (k->kind != XF_Y_SCALAR)
            continue;
        bool known = false;
        for (size_t j = 0; j < N(constraint_keys); j++)
            known = known || xf_str_eqc(k->str, constraint_keys[j]);
        if (!known || (!model_level && xf_str_eqc(k->str, "columns"))) {
            const char *s =
                known ? NULL /* columns: the hint says why */
                      : xf_str_suggest(k->str, constraint_keys, N(constraint_keys) - !model_level);
            struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, k->loc,
                                            "unknown key '" XF_STR_FMT "' in a constraint%s%s%s",
                                            XF_STR_ARG(k->str), s ? " (did you mean '" : "",
                                            s ? s : "", s ? "'?)" : "");
            if (!model_level && xf_str_eqc(k->str, "columns"))
                xf_diag_hint(g, "'columns' belongs to a model-level constraint: a column's "
                                "constraints apply to that column");
            else
                xf_diag_hint(g, "a constraint has type, name, expression, to, to_columns%s",
                             model_level ? ", columns" : "");
            err = -1;
            continue;
        }
        if (xf_str_eqc(k->str, "type")) {
            if (xf_loader_want_str(l, v, "type", &out->type) < 0) {
                err = -1;
                continue;
            }
            bool ok = false;
            for (size_t j = 0; j < N(constraint_types); j++)
                ok = ok || !strcmp(out->type, constraint_types[j]);
            if (!ok) {
                const char *s = xf_str_suggest(v->str, constraint_types, N(constraint_types));
                struct xf_diag *g = xf_diag_add(
                    l->diags, XF_SEV_ERROR, v->loc, "unknown constraint type '%s'%s%s%s", out->type,
                    s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
                xf_diag_hint(g, "use not_null, unique, primary_key, foreign_key, check or custom");
                err = -1;
            }
        } else if (xf_str_eqc(k->str, "name")) {
            if (!xf_ynode_is_null(v))
                err |= xf_loader_want_str(l, v, "name", &out->name);
        } else if (xf_str_eqc(k->str, "expression")) {
            if (!xf_ynode_is_null(v))
                err |= xf_loader_want_str(l, v, "expression", &out->expression);
        } else if (xf_str_eqc(k->str, "warn_unenforced") ||
                   xf_str_eqc(k->str, "warn_unsupported")) {
            struct xf_value b = xf_ynode_value(l->a, v);
            if (b.t != XF_V_BOOL) {
                err = xf_error(l->diags, v->loc, "'" XF_STR_FMT "' must be true or false",
                               XF_STR_ARG(k->str));
                continue;
            }
            if (xf_str_eqc(k->str, "warn_unenforced"))
                out->warn_unenforced = b.u.b;
            else
                out->warn_unsupported = b.u.b;
        } else if (xf_str_eqc(k->str, "to")) {
            if (!xf_ynode_is_null(v))
                err |= foreign_to(l, v, out, n);
        } else if (xf_str_eqc(k->str, "to_columns")) {
            err |= string_list(l, v, "to_columns", out, true);
        } else if (xf_str_eqc(k->str, "columns")) {
            err |= string_list(l, v, "columns", out, false);
        }
    }
    if (err)
        return -1;
    if (!out->type) {
        struct xf_diag *g =
            xf_diag_add(l->diags, XF_SEV_ERROR, e->loc, "a constraint needs a 'type'");
        xf_diag_hint(g, "use not_null, unique, primary_key, foreign_key, check or custom");
        return -1;
    }
    if ((!strcmp(out->type, "check") || !strcmp(out->type, "custom")) && !out->expression) {
        struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, e->loc,
                                        "a '%s' constraint needs an 'expression'", out->type);
        xf_diag_hint(g, "for example 'expression: \"amount >= 0\"'");
        return -1;
    }
    if (!strcmp(out->type, "foreign_key") && !out->to && !out->expression) {
        struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, e->loc,
                                        "a foreign_key constraint needs 'to' and 'to_columns' "
                                        "(or an 'expression')");
        xf_diag_hint(g, "for example 'to: ref(\"customers\")' with 'to_columns: [id]'");
        return -1;
    }
    if (out->to && !out->to_columns.n) {
        struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, e->loc,
                                        "a foreign_key constraint with 'to' needs 'to_columns'");
        xf_diag_hint(g, "name the referenced columns: 'to_columns: [id]'");
        return -1;
    }
    if (model_level && !out->columns.n && strcmp(out->type, "check") &&
        strcmp(out->type, "custom")) {
        struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, e->loc,
                                        "a model-level '%s' constraint needs 'columns'", out->type);
        xf_diag_hint(g, "name the model's columns it applies to: 'columns: [id]'");
        return -1;
    }
    return 0;
}

int xf_loader_model_constraints(struct xf_loader *l, const struct xf_ynode *list, struct xf_node *n)
{
    if (xf_ynode_is_null(list))
        return 0;
    if (list->kind != XF_Y_SEQ)
        return xf_error(l->diags, list->loc, "'constraints' must be a list");
    XF_VEC(const char *) names = {0};
    for (size_t i = 0; i < n->columns.n; i++)
        xf_vec_push(&names, n->columns.v[i].name);
    int err = 0;
    for (size_t i = 0; i < list->n; i++) {
        struct xf_constraint c;
        if (xf_loader_constraint(l, list->items[i], true, n, &c) < 0) {
            err = -1;
            continue;
        }
        /* every column a model-level constraint names must be declared */
        const struct xf_ynode *cols = xf_ynode_get(list->items[i], "columns");
        for (size_t j = 0; j < c.columns.n; j++) {
            bool found = false;
            for (size_t k = 0; k < names.n && !found; k++)
                found = !strcmp(names.v[k], c.columns.v[j]);
            if (found)
                continue;
            struct xf_loc at = cols && cols->kind == XF_Y_SEQ && j < cols->n ? cols->items[j]->loc
                               : cols                                        ? cols->loc
                                                                             : c.loc;
            const char *s = xf_str_suggest(xf_str_c(c.columns.v[j]), names.v, names.n);
            struct xf_diag *g = xf_diag_add(
                l->diags, XF_SEV_ERROR, at, "%s constraint on unknown column '%s' of '%s'%s%s%s",
                c.type, c.columns.v[j], n->name, s ? " (did you mean '" : "", s ? s : "",
                s ? "'?)" : "");
            xf_diag_hint(g, "a model-level constraint names columns declared under 'columns:'");
            err = -1;
        }
        xf_avec_push(l->a, &n->constraints, c);
    }
    xf_vec_release(&names);
    return err;
}
