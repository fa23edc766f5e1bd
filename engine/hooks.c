// SPDX-License-Identifier: MIT
/*
 * Hooks: a node's pre-hook/post-hook and the projects' on-run-start/end,
 * rendered and run on a connection, and which of them belong inside the
 * model's transaction (dbt's default) or outside it ({sql, transaction:
 * false}, or the JSON text of one, which dbt's after_commit() and
 * before_begin() make). Used by the scheduler (run.c), by a replaced
 * table's commit hook (extras.c) and by {% materialization %} blocks
 * (custom_mat.c), so it calls none of them.
 */
#include <string.h>

#include "engine/internal.h"
#include "util/json.h"

struct xf_value xf_hook_value(struct xf_arena *a, const struct xf_value *hook)
{
    struct xf_str t = hook->t == XF_V_STR ? xf_str_trim(hook->u.s) : XF_STR("");
    if (!t.len || t.p[0] != '{' || !memmem(t.p, t.len, "\"sql\"", 5))
        return *hook;
    json_error_t je;
    json_t *j = json_loadb(t.p, t.len, 0, &je);
    struct xf_value v = *hook;
    if (j && json_is_object(j) && json_is_string(json_object_get(j, "sql")))
        v = xf_value_from_json(a, j);
    json_decref(j);
    return v;
}

/* Renders one hook (hv: resolved by xf_hook_value, in a) and runs it on
 * conn: a node's pre/post hook, or (n NULL) an on-run-start/end hook of
 * package pkg (NULL: the root project), which sees that package's macros
 * and vars. */
static int run_hook(struct xf_session *s, struct xf_conn *conn, struct xf_node *n,
                    const struct xf_package *pkg, struct xf_arena *a, const struct xf_value *hv,
                    const struct xf_value *results, struct xf_buf *executed, struct xf_buf *err)
{
    const struct xf_value *sqlv = hv;
    if (hv->t == XF_V_DICT) /* {sql: ..., transaction: ...} form */
        sqlv = xf_dict_getc(hv->u.d, "sql");
    if (!sqlv || sqlv->t != XF_V_STR || !sqlv->u.s.len)
        return 0;
    struct xf_source *src = XF_ANEW(a, struct xf_source);
    src->path = n && n->original_file_path ? xf_arena_printf(a, "%s (hook)", n->original_file_path)
                : pkg                      ? xf_arena_printf(a, "<hook of package %s>", pkg->name)
                                           : xf_arena_strdup(a, "<project hook>");
    src->text = sqlv->u.s.p;
    src->len = sqlv->u.s.len;
    struct xf_rctx rc = {.s = s,
                         .node = n,
                         .package = pkg ? pkg->name : NULL,
                         .execute = true,
                         .conn = conn,
                         .arena = a};
    struct xf_render_env env;
    xf_context_env(&env, &rc);
    if (results)
        xf_dict_set(a, (struct xf_dict *)env.locals, XF_STR("results"), *results);
    struct xf_diags local;
    xf_diags_init(&local);
    env.diags = &local;
    const struct xf_tmpl *t;
    struct xf_buf sql = XF_BUF_INIT;
    int e = xf_tmpl_parse(&t, a, src, 0, src->len, &local);
    if (!e)
        e = xf_render_template(&sql, t, &env);
    if (e < 0) {
        for (struct xf_diag *g = local.head; g; g = g->next)
            xf_diag_format(err, g, false);
    } else if (xf_str_trim(xf_buf_str(&sql)).len) {
        xf_buf_addf(executed, "-- hook\n%s;\n", sql.ptr);
        e = conn->ops->exec(conn, sql.ptr, err);
    }
    xf_diags_release(&local);
    xf_buf_release(&sql);
    return e < 0 ? -1 : 0;
}

/*
 * Whether a hook belongs inside its model's transaction: dbt's default;
 * {sql, transaction: false}, or the JSON text of one (what dbt's
 * after_commit() and before_begin() return), runs outside.
 */
bool xf_hook_inside(const struct xf_value *hv)
{
    const struct xf_value *t = hv->t == XF_V_DICT ? xf_dict_getc(hv->u.d, "transaction") : NULL;
    return !t || t->t == XF_V_UNDEF || xf_value_truthy(t);
}

int xf_run_hooks(struct xf_session *s, struct xf_conn *conn, struct xf_node *n,
                 const struct xf_package *pkg, const struct xf_value *hooks, enum xf_hook_set set,
                 const struct xf_value *results, struct xf_buf *executed, struct xf_buf *err)
{
    if (!hooks)
        return 0;
    size_t count = hooks->t == XF_V_LIST ? hooks->u.l->n : 1;
    for (size_t i = 0; i < count; i++) {
        struct xf_arena a; /* the hook's value (its JSON form read once) and its render */
        xf_arena_init(&a);
        struct xf_value hv =
            xf_hook_value(&a, hooks->t == XF_V_LIST ? &hooks->u.l->items[i] : hooks);
        int e = set != XF_HOOKS_ALL && xf_hook_inside(&hv) != (set == XF_HOOKS_INSIDE)
                    ? 0
                    : run_hook(s, conn, n, pkg, &a, &hv, results, executed, err);
        xf_arena_release(&a);
        if (e < 0)
            return -1;
    }
    return 0;
}

const struct xf_value *xf_node_hooks(const struct xf_node *n, const char *key)
{
    const struct xf_value *v = xf_node_config(n, key);
    if (!v) {
        /* config(pre_hook=...) and YAML spell it with '_' too */
        char alt[16];
        snprintf(alt, sizeof alt, "%s", key);
        for (char *p = alt; *p; p++)
            if (*p == '-')
                *p = '_';
        v = xf_node_config(n, alt);
    }
    return v;
}

int xf_run_post_hooks_inside(struct xf_session *s, struct xf_conn *conn, struct xf_node *n,
                             struct xf_buf *executed, struct xf_buf *err)
{
    return xf_run_hooks(s, conn, n, NULL, xf_node_hooks(n, "post-hook"), XF_HOOKS_INSIDE, NULL,
                        executed, err);
}
