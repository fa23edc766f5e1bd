// SPDX-License-Identifier: MIT
/*
 * Custom materializations: a model whose `materialized` names a
 * {% materialization name %} block (the project's or a package's) is built
 * by calling that block as a macro, with the context dbt gives it (sql,
 * pre_hooks, post_hooks, statement, run_hooks, adapter.rename_relation ...).
 * The C side keeps what dbt's runner keeps: which block, the transaction
 * around its statements, and what the run reports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"

/*
 * The macros materialization blocks call that xform does not otherwise
 * need, in the `dbt` namespace (a project macro of the same name wins).
 * Their names and signatures are dbt's; the SQL is the portable default,
 * dispatched so that an adapter or a project can replace it.
 */
const char xf_custom_mat_macros_sql[] =
    "{% macro load_cached_relation(relation) %}{{ return(load_relation(relation)) }}"
    "{% endmacro %}\n"
    "{% macro make_intermediate_relation(base_relation, suffix='__dbt_tmp') %}{{ "
    "return(adapter.dispatch('make_intermediate_relation', 'dbt')(base_relation, suffix)) }}"
    "{% endmacro %}\n"
    "{% macro default__make_intermediate_relation(base_relation, suffix) %}{{ "
    "return(make_temp_relation(base_relation, suffix)) }}{% endmacro %}\n"
    "{% macro make_backup_relation(base_relation, backup_relation_type, suffix='__dbt_backup') %}"
    "{{ return(adapter.dispatch('make_backup_relation', 'dbt')(base_relation, "
    "backup_relation_type, suffix)) }}{% endmacro %}\n"
    "{% macro default__make_backup_relation(base_relation, backup_relation_type, suffix) %}{{ "
    "return(base_relation.incorporate(path={'identifier': base_relation.identifier ~ suffix}, "
    "type=backup_relation_type)) }}{% endmacro %}\n"
    "{% macro drop_relation_if_exists(relation) %}{% if relation is not none %}{{ "
    "adapter.drop_relation(relation) }}{% endif %}{% endmacro %}\n"
    "{% macro rename_relation(from_relation, to_relation) %}{{ "
    "return(adapter.dispatch('rename_relation', 'dbt')(from_relation, to_relation)) }}"
    "{% endmacro %}\n"
    "{% macro default__rename_relation(from_relation, to_relation) %}"
    "{% call statement('rename_relation') %}alter table {{ from_relation }} rename to {{ "
    "adapter.quote(to_relation.identifier) }}{% endcall %}{% endmacro %}\n"
    "{% macro should_full_refresh() %}{% set c = config.get('full_refresh') %}"
    "{% if c is none %}{% set c = flags.FULL_REFRESH %}{% endif %}{{ return(c) }}"
    "{% endmacro %}\n"
    "{% macro truncate_relation(relation) %}{{ return(adapter.dispatch('truncate_relation', "
    "'dbt')(relation)) }}{% endmacro %}\n"
    "{% macro default__truncate_relation(relation) %}{% call statement('truncate_relation') %}"
    "truncate table {{ relation }}{% endcall %}{% endmacro %}\n"
    /*
     * The extras dbt's table materialization calls, for blocks made from it:
     * what they would apply is not applied from a block yet, and says so
     * where it is called rather than failing the build or keeping quiet.
     */
    "{% macro should_revoke(existing_relation, full_refresh_mode=True) %}{{ "
    "return(existing_relation is not none) }}{% endmacro %}\n"
    "{% macro apply_grants(relation, grant_config, should_revoke=True) %}{% if grant_config %}"
    "{% do exceptions.warn('apply_grants(): grants are not applied by a materialization block in "
    "xform yet') %}{% endif %}{% endmacro %}\n"
    "{% macro persist_docs(relation, model, for_relation=true, for_columns=true) %}"
    "{% set pd = config.get('persist_docs') %}{% if pd and (pd.get('relation') or "
    "pd.get('columns')) %}{% do exceptions.warn('persist_docs(): descriptions are not persisted "
    "by a materialization block in xform yet') %}{% endif %}{% endmacro %}\n"
    "{% macro create_indexes(relation) %}{% if config.get('indexes') %}"
    "{% do exceptions.warn('create_indexes(): indexes are not created by a materialization "
    "block in xform yet') %}{% endif %}{% endmacro %}\n";

/* Whether macro name m is "materialization_<name>_<adapter>". */
static bool names(const char *m, const char *name, const char *adapter)
{
    size_t nl = strlen(name);
    return !strncmp(m, "materialization_", 16) && !strncmp(m + 16, name, nl) && m[16 + nl] == '_' &&
           !strcmp(m + 17 + nl, adapter);
}

const struct xf_macro_def *xf_custom_mat_find(const struct xf_project *p, const char *adapter,
                                              const char *name, bool only_root)
{
    const char *specific[2] = {adapter, "default"};
    for (int sp = 0; sp < 2; sp++) {
        for (int root = 1; root >= (only_root ? 1 : 0); root--) {
            for (size_t i = 0; i < p->macros.n; i++) {
                const struct xf_macro_def *d = p->macros.v[i];
                if ((strcmp(d->package, p->name) == 0) == (root == 1) &&
                    names(d->name, name, specific[sp]))
                    return d;
            }
        }
    }
    return NULL;
}

const char **xf_custom_mat_names(const struct xf_project *p, const char *adapter,
                                 struct xf_arena *a)
{
    size_t n = 0;
    const char **out = xf_arena_alloc(a, (p->macros.n + 1) * sizeof *out);
    size_t al = strlen(adapter);
    for (size_t i = 0; i < p->macros.n; i++) {
        const char *m = p->macros.v[i]->name;
        if (strncmp(m, "materialization_", 16) != 0)
            continue;
        size_t ml = strlen(m);
        /* the adapter part is after the last '_' of a name "materialization_<n>_<a>" */
        const char *tail = NULL;
        if (ml > 16 + 8 && !strcmp(m + ml - 8, "_default"))
            tail = m + ml - 8;
        else if (ml > 16 + al + 1 && m[ml - al - 1] == '_' && !strcmp(m + ml - al, adapter))
            tail = m + ml - al - 1;
        if (!tail)
            continue;
        const char *nm = xf_arena_strndup(a, m + 16, (size_t)(tail - (m + 16)));
        bool dup = false;
        for (size_t k = 0; k < n && !dup; k++)
            dup = !strcmp(out[k], nm);
        if (!dup)
            out[n++] = nm;
    }
    out[n] = NULL;
    return out;
}

/* Blocks named like a built-in that xform does not take from blocks. */
static void warn_unused(const struct xf_project *p, struct xf_diags *d)
{
    static const char *const builtin[] = {"view", "table",    "incremental", "ephemeral",
                                          "seed", "snapshot", "test"};
    for (size_t i = 0; i < p->macros.n; i++) {
        const struct xf_macro_def *m = p->macros.v[i];
        if (strncmp(m->name, "materialization_", 16) != 0)
            continue;
        for (size_t k = 0; k < sizeof builtin / sizeof builtin[0]; k++) {
            size_t bl = strlen(builtin[k]);
            if (strncmp(m->name + 16, builtin[k], bl) != 0 || m->name[16 + bl] != '_' ||
                strchr(m->name + 17 + bl, '_'))
                continue;
            bool root = !strcmp(m->package, p->name);
            if (root && k < 3)
                break; /* the root project's view, table or incremental: used */
            struct xf_diag *g =
                xf_diag_add(d, XF_SEV_WARNING, m->block->loc,
                            "materialization '%s' of %s%s%s is not used: xform builds %s "
                            "itself",
                            builtin[k], root ? "the project" : "package '", root ? "" : m->package,
                            root ? "" : "'", builtin[k]);
            xf_diag_hint(g, root ? "the project's own view, table and incremental blocks "
                                   "replace xform's; name this one differently and set "
                                   "materialized to that name"
                                 : "as dbt (since 1.8), a package does not replace a built-in "
                                   "materialization; give it another name and set "
                                   "materialized to that name");
            break;
        }
    }
}

int xf_custom_mat_check(const struct xf_project *p, struct xf_diags *d)
{
    int err = 0;
    for (size_t i = 0; i < p->macros.n; i++) {
        const struct xf_macro_def *m = p->macros.v[i];
        if (strncmp(m->name, "materialization_", 16) != 0 || !strcmp(m->package, p->name))
            continue;
        /* dbt: two packages' blocks of one name and adapter are ambiguous */
        for (size_t k = 0; k < i; k++) {
            const struct xf_macro_def *o = p->macros.v[k];
            if (strcmp(o->name, m->name) != 0 || !strcmp(o->package, p->name) ||
                !strcmp(o->package, m->package))
                continue;
            unsigned line, col;
            xf_loc_linecol(o->block->loc.src, o->block->loc.off, &line, &col);
            struct xf_diag *g = xf_diag_add(
                d, XF_SEV_ERROR, m->block->loc,
                "{%% materialization %%} block '%s' is defined by packages '%s' and '%s'", m->name,
                o->package, m->package);
            xf_diag_hint(g,
                         "the other one is at %s:%u:%u; dbt cannot choose between them "
                         "either: rename one, or remove one package",
                         o->block->loc.src->path, line, col);
            err = -1;
            break;
        }
    }
    warn_unused(p, d);
    return err;
}

/* A hook list as dbt's pre_hooks/post_hooks: dicts of sql, transaction, index. */
static struct xf_value hooks_value(struct xf_arena *a, const struct xf_node *n, const char *key)
{
    const struct xf_value *v = xf_node_hooks(n, key);
    struct xf_value out = xf_v_list(a, 4);
    size_t cnt = !v ? 0 : v->t == XF_V_LIST ? v->u.l->n : 1;
    for (size_t i = 0; i < cnt; i++) {
        struct xf_value hv = xf_hook_value(a, v->t == XF_V_LIST ? &v->u.l->items[i] : v);
        const struct xf_value *h = &hv;
        struct xf_value d = xf_v_dict(a, 3);
        const struct xf_value *sql = h->t == XF_V_DICT ? xf_dict_getc(h->u.d, "sql") : h;
        xf_dict_set(a, d.u.d, XF_STR("sql"), sql && sql->t == XF_V_STR ? *sql : xf_v_strc(""));
        xf_dict_set(a, d.u.d, XF_STR("transaction"), xf_v_bool(xf_hook_inside(h)));
        xf_dict_set(a, d.u.d, XF_STR("index"), xf_v_int((int64_t)i));
        xf_list_push(a, out.u.l, d);
    }
    return out;
}

/*
 * dbt's check of what a materialization returned: a dict whose
 * 'relations' is a list of relations. 0 with the list in *out; -1 with
 * dbt's message in err. A macro that returned nothing (its text) stands
 * for the model's own relation, with dbt's warning.
 */
static int returned_relations(struct xf_session *s, const struct xf_node *n,
                              const struct xf_value *ret, const struct xf_value *self,
                              struct xf_arena *a, const struct xf_list **out, struct xf_buf *err)
{
    if (ret->t == XF_V_UNDEF || ret->t == XF_V_STR) {
        struct xf_diag *g =
            xf_diag_add(s->diags, XF_SEV_WARNING, n->mat_macro->block->loc,
                        "materialization '%s' of model '%s' did not return the relations it built",
                        n->mat_name, n->name);
        xf_diag_hint(g, "end it with {{ return({'relations': [target_relation]}) }}; the "
                        "model's own relation is assumed");
        struct xf_value l = xf_v_list(a, 1);
        xf_list_push(a, l.u.l, *self);
        *out = l.u.l;
        return 0;
    }
    struct xf_buf got = XF_BUF_INIT;
    xf_value_repr(&got, ret);
    int e = -1;
    const struct xf_value *rels = ret->t == XF_V_DICT ? xf_dict_getc(ret->u.d, "relations") : NULL;
    if (ret->t != XF_V_DICT) {
        xf_buf_addf(err,
                    "materialization '%s' returned %s: expected a dict with the key 'relations'",
                    n->mat_name, got.ptr);
    } else if (!rels) {
        xf_buf_addf(err, "materialization '%s' returned %s: 'relations' not found", n->mat_name,
                    got.ptr);
    } else if (rels->t != XF_V_LIST) {
        xf_buf_addf(err, "materialization '%s' returned %s: 'relations' is not a list", n->mat_name,
                    got.ptr);
    } else {
        e = 0;
        for (size_t i = 0; i < rels->u.l->n && !e; i++) {
            if (!xf_relation_get(&rels->u.l->items[i])) {
                xf_buf_addf(err,
                            "materialization '%s' returned %s: not every one of its "
                            "'relations' is a relation",
                            n->mat_name, got.ptr);
                e = -1;
            }
        }
        *out = rels->u.l;
    }
    xf_buf_release(&got);
    return e;
}

/* The kind of a relation a materialization returned, as the warehouse has it now. */
static enum xf_relkind returned_kind(struct xf_conn *c, const struct xf_value *v)
{
    struct xf_buf b = XF_BUF_INIT;
    const struct xf_relation *rel = xf_relation_get(v);
    enum xf_relkind k = XF_REL_NONE;
    if (c->ops->relation_kind(c, rel, &k, &b) < 0)
        k = XF_REL_NONE;
    xf_buf_release(&b);
    return k;
}

int xf_custom_materialize(struct xf_session *s, struct xf_conn *c, struct xf_node *n,
                          const struct xf_macro_def *m, const char *sql, struct xf_buf *executed,
                          struct xf_node_result *r, struct xf_buf *err)
{
    if (c->ops->ensure_schema(c, n->schema, err) < 0)
        return -1;
    struct xf_arena a;
    xf_arena_init(&a);
    /* an enforced contract: the query's columns are checked before the block runs */
    if (xf_contract_enforced(n)) {
        int ce = xf_contract_check(s, c, n, sql, &a, NULL, NULL, err);
        r->compile_error = ce == -2;
        if (ce < 0) {
            xf_arena_release(&a);
            return -1;
        }
        if (xf_contract_has_constraints(n)) {
            struct xf_diag *g =
                xf_diag_add(s->diags, XF_SEV_WARNING, n->props_loc,
                            "constraints of model '%s' are not applied by materialization '%s'",
                            n->name, n->mat_name);
            xf_diag_hint(g, "its columns and data types were checked; the block's own DDL "
                            "creates the relation");
        }
    }
    struct xf_mat_run run = {.executed = executed};
    struct xf_rctx rc = {.s = s, .node = n, .execute = true, .conn = c, .arena = &a, .mat = &run};
    struct xf_diags local;
    xf_diags_init(&local);
    rc.diags = &local;
    struct xf_render_env env;
    xf_context_env(&env, &rc);
    env.what = xf_arena_printf(&a, "materialization '%s'", n->mat_name);
    /* ModelContext's names: the compiled SQL, the hooks, the node's database and schema */
    struct xf_dict *locals = (struct xf_dict *)env.locals;
    xf_dict_set(&a, locals, XF_STR("sql"), xf_v_strc(sql));
    xf_dict_set(&a, locals, XF_STR("compiled_code"), xf_v_strc(sql));
    xf_dict_set(&a, locals, XF_STR("pre_hooks"), hooks_value(&a, n, "pre-hook"));
    xf_dict_set(&a, locals, XF_STR("post_hooks"), hooks_value(&a, n, "post-hook"));
    xf_dict_set(&a, locals, XF_STR("database"), n->database ? xf_v_strc(n->database) : xf_v_none());
    xf_dict_set(&a, locals, XF_STR("schema"), xf_v_strc(n->schema));
    /* the node as dbt's `model` has it once compiled */
    struct xf_value *model = xf_dict_getc(locals, "model");
    if (model && model->t == XF_V_DICT) {
        xf_dict_set(&a, model->u.d, XF_STR("compiled_code"), xf_v_strc(sql));
        xf_dict_set(&a, model->u.d, XF_STR("database"),
                    n->database ? xf_v_strc(n->database) : xf_v_none());
        if (n->relation_name)
            xf_dict_set(&a, model->u.d, XF_STR("relation_name"), xf_v_strc(n->relation_name));
    }
    struct xf_value fn = xf_macro_value(&a, m->block->macro, m->package);
    struct xf_value ret = xf_v_undef();
    struct xf_args none = {0};
    int e = xf_call_value(&ret, &fn, &none, &env);
    if (e < 0) {
        for (struct xf_diag *g = local.head; g; g = g->next)
            xf_diag_format(err, g, false);
        if (!err->len)
            xf_buf_adds(err, "the materialization failed");
    }
    const struct xf_list *rels = NULL;
    if (e == 0) {
        struct xf_value self = xf_relation_value(s, &a, n->database, n->schema, n->alias);
        e = returned_relations(s, n, &ret, &self, &a, &rels, err);
    }
    /* What the macro left open is committed when it succeeded, rolled back when not. */
    if (run.in_txn) {
        struct xf_buf terr = XF_BUF_INIT;
        if (e == 0 && c->ops->commit(c, &terr) < 0) {
            xf_buf_addf(err, "commit failed: %s", terr.ptr);
            e = -1;
        }
        if (e < 0) {
            xf_buf_reset(&terr);
            c->ops->rollback(c, &terr);
        }
        xf_buf_release(&terr);
    }
    if (e == 0) {
        for (size_t i = 0; i < rels->n; i++) {
            const struct xf_relation *rel = xf_relation_get(&rels->items[i]);
            enum xf_relkind k = returned_kind(c, &rels->items[i]);
            if (k != XF_REL_NONE && rel->schema && rel->identifier)
                xf_session_mark_existing(s, rel->schema, rel->identifier, k);
        }
        r->status = XF_ST_SUCCESS;
        r->message = run.main_status ? run.main_status : "OK";
    }
    if (e == 0) /* its warnings (exceptions.warn ...); an error is the node's message */
        xf_diags_move(s->diags, &local);
    xf_diags_release(&local);
    xf_arena_release(&a);
    return e < 0 ? -1 : 0;
}
