// SPDX-License-Identifier: MIT
/*
 * Materializations: what building a node means for each kind. Views and
 * tables go through the adapter's atomic replace; seeds through its bulk
 * load; tests count the rows their query returns; a model whose
 * materialization is a {% materialization %} block is built by it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/internal.h"

/* A table with an enforced contract: checked, then created from its declared types and filled. */
static int contracted_table(struct xf_session *s, struct xf_conn *c, struct xf_node *n,
                            const char *sql, struct xf_buf *executed, struct xf_node_result *r,
                            struct xf_buf *err)
{
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_column_info *cols = NULL;
    size_t nc = 0;
    int e = xf_contract_check(s, c, n, sql, &a, &cols, &nc, err);
    r->compile_error = e == -2;
    struct xf_extras_hook h;
    if (e == 0)
        e = xf_contract_build_table(s, c, n, sql, cols, nc, xf_extras_hook(&h, s, n, r), executed,
                                    err);
    xf_arena_release(&a);
    if (e < 0)
        return -1;
    r->status = XF_ST_SUCCESS;
    r->message = "SELECT";
    xf_session_mark_existing(s, n->schema, n->alias, XF_REL_TABLE);
    return 0;
}

static int build_model(struct xf_session *s, struct xf_conn *c, struct xf_node *n, const char *sql,
                       struct xf_buf *executed, struct xf_node_result *r, struct xf_buf *err)
{
    enum xf_relkind kind;
    /* A {% materialization %} block builds it (engine/custom_mat.c). */
    if (n->mat_macro)
        return xf_custom_materialize(s, c, n, n->mat_macro, sql, executed, r, err);
    /* An enforced contract is checked before anything is created. */
    bool contract = n->mat != XF_MAT_EPHEMERAL && xf_contract_enforced(n);
    if (contract && n->mat == XF_MAT_TABLE)
        return contracted_table(s, c, n, sql, executed, r, err);
    if (contract) {
        struct xf_arena a;
        xf_arena_init(&a);
        int e = xf_contract_check(s, c, n, sql, &a, NULL, NULL, err);
        xf_arena_release(&a);
        r->compile_error = e == -2;
        if (e < 0)
            return -1;
        if (n->mat == XF_MAT_VIEW)
            xf_contract_warn_view(s, n);
    }
    switch (n->mat) {
    case XF_MAT_VIEW:
        kind = XF_REL_VIEW;
        break;
    case XF_MAT_TABLE:
        kind = XF_REL_TABLE;
        break;
    case XF_MAT_INCREMENTAL:
        return xf_incremental(s, c, n, sql, executed, r, err);
    case XF_MAT_EPHEMERAL:
        r->status = XF_ST_SUCCESS;
        r->message = "ephemeral";
        return 0;
    default:
        if (!strcmp(n->mat_name, "materialized_view"))
            return xf_extras_matview(s, c, n, sql, executed, r, err);
        /* known at load, not run yet */
        xf_buf_addf(err,
                    "materialization '%s' of model '%s' is not built by xform yet: use view, "
                    "table, incremental, ephemeral or a {%% materialization %%} block",
                    n->mat_name, n->name);
        return -1;
    }
    if (c->ops->ensure_schema(c, n->schema, err) < 0)
        return -1;
    struct xf_relation rel = {n->database, n->schema, n->alias};
    /* the DDL from get_create_table_as_sql / get_create_view_as_sql; the swap is the adapter's */
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_strategy st;
    xf_strategy_init(&st, s, c, n, &a);
    struct xf_extras_hook h; /* a table's indexes, grants, docs: in its swap's transaction */
    int built = c->ops->replace_relation(c, &rel, kind, sql, &st.create,
                                         kind == XF_REL_TABLE ? xf_extras_hook(&h, s, n, r) : NULL,
                                         executed, err);
    xf_strategy_release(&st);
    xf_arena_release(&a);
    if (built < 0)
        return -1;
    r->status = XF_ST_SUCCESS;
    r->message = kind == XF_REL_VIEW ? "CREATE VIEW" : "SELECT";
    if (built == 1) { /* the adapter's views cannot read this: built as a table */
        kind = XF_REL_TABLE;
        r->message = c->ops->view_as_table_message ? c->ops->view_as_table_message : "SELECT";
    }
    xf_session_mark_existing(s, n->schema, n->alias, kind);
    return 0;
}

static int load_seed(struct xf_session *s, struct xf_conn *c, struct xf_node *n,
                     struct xf_buf *executed, struct xf_node_result *r, struct xf_buf *err)
{
    if (!n->csv) {
        xf_buf_addf(err, "seed '%s' has no data", n->name);
        return -1;
    }
    if (c->ops->ensure_schema(c, n->schema, err) < 0)
        return -1;
    const struct xf_value *ct = xf_node_config(n, "column_types");
    const char **types = NULL;
    if (ct && ct->t == XF_V_DICT) {
        types = xf_calloc(n->csv->ncols, sizeof *types);
        for (size_t i = 0; i < n->csv->ncols; i++) {
            struct xf_str h = n->csv->header[i];
            const struct xf_value *v = xf_dict_get(ct->u.d, h);
            if (v && v->t == XF_V_STR)
                types[i] = v->u.s.p;
        }
    }
    struct xf_relation rel = {n->database, n->schema, n->alias};
    /* quote_columns false (dbt's default): columns are named as the warehouse
     * names an unquoted identifier, e.g. UserId -> userid on Postgres. */
    struct xf_csv folded = *n->csv;
    struct xf_arena fa;
    xf_arena_init(&fa);
    if (!xf_node_config_bool(n, "quote_columns", false) && c->ops->unquoted_case == 'l') {
        struct xf_str *h = xf_arena_alloc(&fa, n->csv->ncols * sizeof *h + 1);
        for (size_t i = 0; i < n->csv->ncols; i++) {
            char *t = xf_arena_strndup(&fa, n->csv->header[i].p, n->csv->header[i].len);
            for (char *q = t; *q; q++)
                *q = (char)tolower((unsigned char)*q);
            h[i] = (struct xf_str){t, n->csv->header[i].len};
        }
        folded.header = h;
    }
    struct xf_extras_hook h;
    int e = c->ops->load_seed(c, &rel, &folded, types, xf_extras_hook(&h, s, n, r), executed, err);
    xf_arena_release(&fa);
    free(types);
    if (e < 0)
        return -1;
    xf_session_mark_existing(s, n->schema, n->alias, XF_REL_TABLE);
    r->status = XF_ST_SUCCESS;
    r->rows_affected = (long long)n->csv->nrows;
    r->message = "INSERT";
    return 0;
}

/* A condition like "!= 0" or ">10" from warn_if / error_if, checked safely. */
static bool valid_condition(const char *c)
{
    for (const char *p = c; *p; p++) {
        if (*p == ';' || (*p == '-' && p[1] == '-'))
            return false;
    }
    return true;
}

/*
 * dbt's test materialization: the failure count, and whether it crosses
 * warn_if / error_if, from one query over the test's SQL.
 */
static int run_test(struct xf_session *s, struct xf_conn *c, struct xf_node *n, const char *sql,
                    struct xf_buf *executed, struct xf_node_result *r, struct xf_buf *err)
{
    const char *fail_calc = xf_node_config_str(n, "fail_calc", "count(*)");
    const char *warn_if = xf_node_config_str(n, "warn_if", "!= 0");
    const char *error_if = xf_node_config_str(n, "error_if", "!= 0");
    const struct xf_value *limit = xf_node_config(n, "limit");
    if (!valid_condition(warn_if) || !valid_condition(error_if) || !valid_condition(fail_calc)) {
        xf_buf_addf(err,
                    "test '%s' has a warn_if, error_if or fail_calc that is not a plain "
                    "SQL condition",
                    n->name);
        return -1;
    }
    struct xf_buf q = XF_BUF_INIT;
    xf_buf_addf(&q,
                "select\n  %s as failures,\n  case when %s %s then 1 else 0 end as should_warn,\n"
                "  case when %s %s then 1 else 0 end as should_error\nfrom (\n%s\n",
                fail_calc, fail_calc, warn_if, fail_calc, error_if, sql);
    if (limit && limit->t == XF_V_INT)
        xf_buf_addf(&q, "limit %lld\n", (long long)limit->u.i);
    xf_buf_adds(&q, ") dbt_internal_test");
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_result res;
    memset(&res, 0, sizeof res);
    int e = c->ops->query(c, q.ptr, &a, &res, err);
    xf_buf_add(executed, q.ptr, q.len);
    xf_buf_release(&q);
    if (e < 0) {
        xf_arena_release(&a);
        return -1;
    }
    long long failures = 0;
    bool warn = false, error = false;
    if (res.nrows && res.ncols >= 3) {
        const struct xf_value *v = res.cells;
        failures = v[0].t == XF_V_INT ? v[0].u.i : v[0].t == XF_V_FLOAT ? (long long)v[0].u.f : 0;
        warn = xf_value_truthy(&v[1]);
        error = xf_value_truthy(&v[2]);
    }
    xf_arena_release(&a);
    r->failures = failures;
    /* store_failures: keep the failing rows in <schema>_dbt_test__audit, as dbt. */
    if (xf_node_config_bool(n, "store_failures", false)) {
        const char *audit = xf_node_config_str(n, "schema", NULL);
        struct xf_arena sa;
        xf_arena_init(&sa);
        if (!audit)
            audit = xf_arena_printf(&sa, "%s_dbt_test__audit", s->p->target.schema);
        const char *alias = xf_node_config_str(n, "alias", NULL);
        if (!alias)
            alias = n->path ? xf_arena_strndup(&sa, n->path, strlen(n->path) - 4) : n->name;
        struct xf_relation store = {NULL, audit, alias};
        struct xf_buf ex = XF_BUF_INIT;
        int se = c->ops->ensure_schema(c, audit, err);
        if (!se) { /* created by get_create_table_as_sql, as dbt's test materialization */
            struct xf_strategy st;
            xf_strategy_init(&st, s, c, n, &sa);
            se = c->ops->replace_relation(c, &store, XF_REL_TABLE, sql, &st.create, NULL, &ex, err);
            xf_strategy_release(&st);
        }
        xf_buf_add(executed, ex.ptr, ex.len);
        xf_buf_release(&ex);
        xf_arena_release(&sa);
        if (se < 0)
            return -1;
    }
    const char *sev = xf_node_config_str(n, "severity", "error");
    bool sev_error = strcasecmp(sev, "warn") != 0;
    /* dbt's wording: "Got 2 results, configured to fail if != 0". */
    if (sev_error && error) {
        r->status = XF_ST_FAIL;
        xf_buf_addf(err, "Got %lld result%s, configured to fail if %s", failures,
                    failures == 1 ? "" : "s", error_if);
    } else if (warn) {
        /* dbt: with --warn-error (or LogTestResult in its options) the warning fails */
        r->status = s->warn_error_tests ? XF_ST_FAIL : XF_ST_WARN;
        xf_buf_addf(err, "Got %lld result%s, configured to warn if %s", failures,
                    failures == 1 ? "" : "s", warn_if);
    } else {
        r->status = XF_ST_PASS;
        r->message = NULL;
    }
    (void)s;
    return 0;
}

int xf_materialize(struct xf_session *s, struct xf_conn *conn, struct xf_node *n, const char *sql,
                   struct xf_buf *executed, struct xf_node_result *r, struct xf_buf *err)
{
    switch (n->type) {
    case XF_RES_MODEL:
        return build_model(s, conn, n, sql, executed, r, err);
    case XF_RES_SEED:
        return load_seed(s, conn, n, executed, r, err);
    case XF_RES_TEST:
        return run_test(s, conn, n, sql, executed, r, err);
    case XF_RES_SNAPSHOT:
        return xf_snapshot(s, conn, n, sql, executed, r, err);
    case XF_RES_ANALYSIS:
        r->status = XF_ST_SUCCESS;
        r->message = "compiled";
        return 0;
    default:
        xf_buf_addf(err, "%s '%s' cannot be built yet", xf_resource_name(n->type), n->name);
        return -1;
    }
}
