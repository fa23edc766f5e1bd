// SPDX-License-Identifier: MIT
/*
 * The SQL a materialization runs comes from macros with dbt's names
 * (get_create_table_as_sql, get_incremental_merge_sql ...): built in
 * (engine/builtin_macros.c, the adapter's own in adapters/), overridable by
 * a project or package. This file calls them from C for one build; the
 * engine keeps the order, transactions, staging and swaps.
 */
#include <string.h>

#include "engine/internal.h"

/* The adapter asks for the statement creating r: the create macros. */
static int render_create(void *user, struct xf_buf *out, const struct xf_relation *r,
                         enum xf_relkind kind, struct xf_str select_sql, struct xf_buf *err)
{
    struct xf_strategy *st = user;
    struct xf_value args[3];
    struct xf_value sql = xf_v_str(
        (struct xf_str){xf_arena_strndup(st->a, select_sql.p, select_sql.len), select_sql.len});
    if (kind == XF_REL_VIEW) {
        args[0] = xf_strategy_relation(st, r);
        args[1] = sql;
        return xf_strategy_call(st, "get_create_view_as_sql", args, 2, out, err);
    }
    args[0] = xf_v_bool(false);
    args[1] = xf_strategy_relation(st, r);
    args[2] = sql;
    return xf_strategy_call(st, "get_create_table_as_sql", args, 3, out, err);
}

void xf_strategy_init(struct xf_strategy *st, struct xf_session *s, struct xf_conn *c,
                      struct xf_node *n, struct xf_arena *a)
{
    memset(st, 0, sizeof *st);
    st->s = s;
    st->n = n;
    st->a = a;
    st->rc = (struct xf_rctx){.s = s, .node = n, .execute = true, .conn = c, .arena = a};
    xf_diags_init(&st->diags);
    st->rc.diags = &st->diags;
    xf_context_env(&st->env, &st->rc);
    st->create = (struct xf_create_sql){render_create, st};
}

void xf_strategy_release(struct xf_strategy *st)
{
    xf_diags_move(st->s->diags, &st->diags); /* warnings the macros gave */
    xf_diags_release(&st->diags);
}

bool xf_strategy_has(const struct xf_strategy *st, const char *name)
{
    return xf_dict_getc(st->env.globals, name) != NULL;
}

int xf_strategy_call(struct xf_strategy *st, const char *name, const struct xf_value *args,
                     size_t nargs, struct xf_buf *out, struct xf_buf *err)
{
    const struct xf_value *m = xf_dict_getc(st->env.globals, name);
    if (!m) { /* the built-ins define every name the engine calls */
        xf_buf_addf(err, "no macro '%s' for %s '%s'", name, xf_resource_name(st->n->type),
                    st->n->name);
        return -1;
    }
    struct xf_args a = {args, nargs, NULL, NULL, 0, NULL};
    struct xf_value v;
    if (xf_call_value(&v, m, &a, &st->env) < 0) {
        for (struct xf_diag *g = st->diags.head; g; g = g->next)
            xf_diag_format(err, g, false);
        if (!st->diags.head)
            xf_buf_addf(err, "macro '%s' failed", name);
        xf_diags_release(&st->diags);
        xf_diags_init(&st->diags);
        return -1;
    }
    struct xf_buf text = XF_BUF_INIT;
    xf_value_str(&text, &v);
    xf_buf_addstr(out, xf_str_trim(xf_buf_str(&text)));
    xf_buf_release(&text);
    return 0;
}

struct xf_value xf_strategy_relation(struct xf_strategy *st, const struct xf_relation *r)
{
    return xf_relation_value(st->s, st->a, r->database, r->schema, r->identifier);
}
