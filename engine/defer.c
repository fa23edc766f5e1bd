// SPDX-License-Identifier: MIT
/*
 * Reading another target's relations (the --state run's): --defer points
 * ref() to an unselected node at the state's relation when this target
 * does not have it (always, with --favor-state), and `clone` makes views
 * over the state's relations. On an adapter whose schemas are files
 * (SQLite) the state's schema file is attached under its own name, the
 * name its views were written with, so it must not be a schema of this
 * target too (see docs/state.md).
 */
#include <stdlib.h>
#include <string.h>

#include "artifacts/artifacts.h"
#include "engine/internal.h"
#include "util/path.h"

static bool has_relation(const struct xf_node *n)
{
    return (n->type == XF_RES_MODEL || n->type == XF_RES_SEED || n->type == XF_RES_SNAPSHOT) &&
           n->mat != XF_MAT_EPHEMERAL;
}

/*
 * On an adapter whose schemas are files: can the state relation's file be
 * attached as its schema? 0, 1 when the relation cannot be read (warned),
 * -1 on a conflict with this target's schemas (an error).
 */
static int foreign_check(struct xf_session *s, const struct xf_node *n,
                         const struct xf_state_relation *r, struct xf_map *added)
{
    struct xf_project *p = s->p;
    struct xf_target *t = &p->target;
    (void)n;
    if (!s->ops->schema_file) {
        /* a relation in another database: PostgreSQL queries cannot reach it */
        bool other = s->ops->database_names && r->database && t->database &&
                     strcmp(r->database, t->database) != 0;
        return other ? 2 : 0;
    }
    if (!r->database || r->database[0] != '/' || !xf_is_file(r->database))
        return 1;
    const char *had = xf_map_getc(added, r->schema);
    if (had)
        return strcmp(had, r->database) == 0 ? 0 : -1;
    /* a schema of this target by that name is another file: SQLite cannot hold both */
    struct xf_buf mine = XF_BUF_INIT;
    bool clash = false;
    for (size_t i = 0; i < p->nodes.n && !clash; i++) {
        const struct xf_node *m = p->nodes.v[i];
        if (m->schema && !strcmp(m->schema, r->schema) && m->database_file)
            clash = strcmp(m->database_file, r->database) != 0;
    }
    if (!clash && s->ops->schema_file(t, t->schema, &mine) == 0 && t->schema &&
        !strcmp(t->schema, r->schema))
        clash = strcmp(mine.ptr, r->database) != 0;
    xf_buf_release(&mine);
    if (clash) {
        struct xf_diag *g = xf_diag_add(
            s->diags, XF_SEV_ERROR, XF_NOLOC,
            "cannot read the state's schema '%s' (file '%s'): this target has a schema of the "
            "same name in another file",
            r->schema, r->database);
        xf_diag_hint(g, "on SQLite the state's views name their schema: give production a "
                        "schema of its own (schema: prod in its profile target) or build here "
                        "into another schema");
        return -1;
    }
    xf_map_put(added, xf_str_c(xf_arena_strdup(&p->arena, r->schema)),
               (void *)xf_arena_strdup(&p->arena, r->database));
    return 0;
}

/* Attaches the state relation's schema file on every connection of this run. */
static void foreign_add(struct xf_session *s, const struct xf_state_relation *r)
{
    struct xf_project *p = s->p;
    struct xf_target *t = &p->target;
    if (!s->ops->schema_file)
        return;
    for (size_t i = 0; i < t->nforeign; i++)
        if (!strcmp(t->foreign_schemas[i], r->schema))
            return;
    size_t k = t->nforeign;
    const char **names = xf_arena_alloc(&p->arena, (k + 1) * sizeof *names);
    const char **files = xf_arena_alloc(&p->arena, (k + 1) * sizeof *files);
    if (k) {
        memcpy(names, t->foreign_schemas, k * sizeof *names);
        memcpy(files, t->foreign_files, k * sizeof *files);
    }
    names[k] = xf_arena_strdup(&p->arena, r->schema);
    files[k] = xf_arena_strdup(&p->arena, r->database);
    t->foreign_schemas = names;
    t->foreign_files = files;
    t->nforeign = k + 1;
}

/* The node now names the state's relation. */
static void point_at(struct xf_session *s, struct xf_node *n, const struct xf_state_relation *r)
{
    struct xf_project *p = s->p;
    n->database =
        !s->ops->schema_file && r->database ? xf_arena_strdup(&p->arena, r->database) : NULL;
    n->schema = xf_arena_strdup(&p->arena, r->schema);
    n->alias = xf_arena_strdup(&p->arena, r->alias);
    if (s->ops->schema_file)
        n->database_file = xf_arena_strdup(&p->arena, r->database);
    struct xf_relation rel = {n->database, n->schema, n->alias};
    struct xf_buf b = XF_BUF_INIT;
    s->ops->render_relation(&b, &rel);
    n->relation_name = xf_arena_strndup(&p->arena, b.ptr, b.len);
    xf_buf_release(&b);
}

int xf_defer_apply(struct xf_session *s, const struct xf_state *st, bool favor_state,
                   const bool *selected)
{
    struct xf_graph *g = &s->g;
    struct xf_state_relation *rels = xf_calloc(g->n + 1, sizeof *rels);
    bool *cand = xf_calloc(g->n + 1, sizeof *cand);
    unsigned char *why = xf_calloc(g->n + 1, 1); /* 1: no file named, 2: another database */
    struct xf_map added;
    xf_map_init(&added);
    int rc = 0;
    /* conflicts first, before a connection could create anything */
    for (uint32_t i = 0; i < g->n && rc == 0; i++) {
        struct xf_node *n = g->all[i];
        if (selected[i] || g->disabled[i] || !has_relation(n) ||
            !xf_state_relation(st, i, &rels[i]))
            continue;
        if (rels[i].materialized && !strcmp(rels[i].materialized, "ephemeral"))
            continue;
        int f = foreign_check(s, n, &rels[i], &added);
        if (f < 0)
            rc = -1;
        cand[i] = true;
        why[i] = (unsigned char)(f > 0 ? f : 0);
    }
    struct xf_conn *c = NULL;
    struct xf_buf err = XF_BUF_INIT;
    if (rc == 0 && !favor_state) {
        if (xf_relcache_connect_or_report(s, &c) < 0) {
            rc = -1;
        } else if (xf_relcache_load(s, c, &err) < 0) {
            xf_error(s->diags, XF_NOLOC, "could not list relations: %s", err.ptr);
            rc = -1;
        }
        xf_relcache_disconnect(s, c);
    }
    xf_buf_release(&err);
    for (uint32_t i = 0; i < g->n && rc == 0; i++) {
        struct xf_node *n = g->all[i];
        if (!cand[i])
            continue;
        if (!favor_state && xf_session_existing(s, n->schema, n->alias) != XF_REL_NONE)
            continue;
        bool read = false; /* warn about what the selection reads only */
        for (uint32_t k = 0; k < g->nchildren[i] && !read; k++)
            read = selected[g->children[i][k]];
        if (why[i] && !read)
            continue;
        if (why[i]) {
            xf_diag_add(s->diags, XF_SEV_WARNING, XF_NOLOC,
                        why[i] == 1 ? "cannot defer %s '%s' to the state's '%s.%s': the state "
                                      "manifest names no database file for it (it gives '%s')"
                                    : "cannot defer %s '%s' to the state's '%s.%s': it is in "
                                      "database '%s', which this target's queries cannot read",
                        xf_resource_name(n->type), n->name, rels[i].schema, rels[i].alias,
                        rels[i].database ? rels[i].database : "none");
            continue;
        }
        foreign_add(s, &rels[i]);
        point_at(s, n, &rels[i]);
    }
    xf_map_release(&added);
    free(rels);
    free(cand);
    free(why);
    return rc;
}

/* ---- clone ---------------------------------------------------------------- */

int xf_session_clone(struct xf_session *s, const struct xf_state *st, const bool *selected,
                     bool full_refresh, const struct xf_events *ev,
                     const struct xf_node_result **results, size_t *nresults)
{
    struct xf_graph *g = &s->g;
    struct xf_project *p = s->p;
    struct xf_map added;
    xf_map_init(&added);
    int rc = 0;
    /* which nodes have something to clone, and the files to attach first */
    struct xf_state_relation *rels = xf_calloc(g->n + 1, sizeof *rels);
    bool *todo = xf_calloc(g->n + 1, sizeof *todo);
    size_t total = 0;
    for (uint32_t i = 0; i < g->n && rc == 0; i++) {
        struct xf_node *n = g->all[i];
        if (!selected[i] || g->disabled[i] || !has_relation(n) ||
            !xf_state_relation(st, i, &rels[i]))
            continue;
        if (rels[i].materialized && !strcmp(rels[i].materialized, "ephemeral"))
            continue;
        int f = foreign_check(s, n, &rels[i], &added);
        if (f < 0)
            rc = -1;
        if (f > 0)
            xf_diag_add(s->diags, XF_SEV_WARNING, XF_NOLOC,
                        "cannot clone %s '%s' from the state's '%s.%s': %s '%s'",
                        xf_resource_name(n->type), n->name, rels[i].schema, rels[i].alias,
                        f == 1 ? "the state manifest names no database file for it, only"
                               : "this target's queries cannot read its database",
                        rels[i].database ? rels[i].database : "none");
        todo[i] = f == 0;
        if (todo[i])
            foreign_add(s, &rels[i]);
        total += todo[i];
    }
    xf_map_release(&added);
    struct xf_conn *c = NULL;
    struct xf_buf err = XF_BUF_INIT, executed = XF_BUF_INIT;
    if (rc == 0 && total && xf_relcache_connect_or_report(s, &c) < 0)
        rc = -1;
    if (rc == 0 && c && xf_relcache_load(s, c, &err) < 0) {
        xf_error(s->diags, XF_NOLOC, "could not list relations: %s", err.ptr);
        rc = -1;
    }
    if (rc < 0)
        goto done;
    if (ev && ev->begin)
        ev->begin(ev->user, total, 1);
    size_t done_n = 0;
    for (uint32_t k = 0; k < g->n; k++) {
        uint32_t i = g->order[k];
        if (!todo[i])
            continue;
        struct xf_node *n = g->all[i];
        struct xf_node_result r = {.node = n, .failures = -1, .rows_affected = -1, .thread_id = 1};
        if (ev && ev->node_start)
            ev->node_start(ev->user, done_n, total, n);
        r.execute_started = xf_now();
        xf_buf_reset(&err);
        xf_buf_reset(&executed);
        struct xf_relation from = {s->ops->schema_file ? NULL : rels[i].database, rels[i].schema,
                                   rels[i].alias};
        struct xf_buf sql = XF_BUF_INIT;
        xf_buf_adds(&sql, "select * from ");
        s->ops->render_relation(&sql, &from);
        enum xf_relkind have = xf_session_existing(s, n->schema, n->alias);
        if (have != XF_REL_NONE && !full_refresh) {
            r.status = XF_ST_SUCCESS;
            r.message = "kept: the relation exists (--full-refresh replaces it)";
        } else if (c->ops->ensure_schema(c, n->schema, &err) < 0) {
            r.status = XF_ST_ERROR;
        } else {
            struct xf_relation to = {n->database, n->schema, n->alias};
            int built =
                c->ops->replace_relation(c, &to, XF_REL_VIEW, sql.ptr, NULL, NULL, &executed, &err);
            if (built < 0) {
                r.status = XF_ST_ERROR;
            } else {
                r.status = XF_ST_SUCCESS;
                r.message = built == 1 && c->ops->view_as_table_message
                                ? c->ops->view_as_table_message
                                : "CREATE VIEW";
                xf_session_mark_existing(s, n->schema, n->alias,
                                         built == 1 ? XF_REL_TABLE : XF_REL_VIEW);
            }
        }
        if (r.status == XF_ST_ERROR) {
            r.message = xf_arena_strdup(&p->arena, err.ptr);
            rc = 1;
        }
        r.compiled_code = xf_arena_strdup(&p->arena, sql.ptr);
        xf_buf_release(&sql);
        r.execute_completed = xf_now();
        r.execution_time = r.execute_completed - r.execute_started;
        xf_vec_push(&s->results, r);
        if (ev && ev->node_done)
            ev->node_done(ev->user, done_n, total, n, &r);
        done_n++;
    }
done:
    xf_relcache_disconnect(s, c);
    xf_buf_release(&err);
    xf_buf_release(&executed);
    free(rels);
    free(todo);
    *results = s->results.v;
    *nresults = s->results.n;
    return rc;
}
