// SPDX-License-Identifier: MIT
/*
 * Unit tests for the PostgreSQL adapter against a real server named by
 * XF_TEST_PG_CONNINFO (skipped with Meson's code 77 without it). Every
 * test works in its own schema, dropped afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "adapters/adapter.h"
#include "adapters/postgres.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/value.h"

static const char *conninfo;

struct fx {
    char schema[64];
    struct xf_target target;
    const struct xf_adapter_ops *ops;
    struct xf_conn *conn;
    struct xf_arena arena;
    struct xf_buf err, executed;
};

static struct xf_value settings(struct xf_arena *a, const char *const *kv)
{
    struct xf_value d = xf_v_dict(a, 4);
    for (; kv && kv[0]; kv += 2)
        xf_dict_set(a, d.u.d, xf_str_c(kv[0]), xf_v_strc(kv[1]));
    return d;
}

static int setup(void **state)
{
    static int counter;
    struct fx *f = calloc(1, sizeof *f);
    snprintf(f->schema, sizeof f->schema, "xf_test_%d_%d", (int)getpid(), ++counter);
    xf_arena_init(&f->arena);
    const char *kv[] = {"conninfo", conninfo, NULL};
    f->target = (struct xf_target){.name = "ci",
                                   .type = "postgres",
                                   .schema = f->schema,
                                   .threads = 1,
                                   .settings = settings(&f->arena, kv)};
    f->ops = xf_adapter_find("postgres");
    xf_buf_init(&f->err, 0);
    xf_buf_init(&f->executed, 0);
    if (!f->ops || f->ops->connect(&f->conn, &f->target, ".", &f->err) < 0) {
        fprintf(stderr, "connect: %s\n", f->err.ptr);
        return -1;
    }
    if (f->ops->ensure_schema(f->conn, f->schema, &f->err) < 0) {
        fprintf(stderr, "ensure_schema: %s\n", f->err.ptr);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (f->conn) {
        struct xf_buf sql = XF_BUF_INIT;
        xf_buf_reset(&f->err);
        f->ops->rollback(f->conn, &f->err);
        xf_buf_addf(&sql, "drop schema if exists \"%s\" cascade", f->schema);
        f->ops->exec(f->conn, sql.ptr, &f->err);
        xf_buf_release(&sql);
        f->ops->disconnect(f->conn);
    }
    xf_buf_release(&f->err);
    xf_buf_release(&f->executed);
    xf_arena_release(&f->arena);
    free(f);
    return 0;
}

static void exec_ok(struct fx *f, const char *sql)
{
    xf_buf_reset(&f->err);
    if (f->ops->exec(f->conn, sql, &f->err) < 0)
        fail_msg("exec '%s': %s", sql, f->err.ptr);
}

static struct xf_result query_ok(struct fx *f, const char *sql)
{
    struct xf_result r;
    xf_buf_reset(&f->err);
    if (f->ops->query(f->conn, sql, &f->arena, &r, &f->err) < 0)
        fail_msg("query '%s': %s", sql, f->err.ptr);
    return r;
}

/* "<schema>.<name>" quoted, in the arena. */
static const char *rel(struct fx *f, const char *name)
{
    return xf_arena_printf(&f->arena, "\"%s\".\"%s\"", f->schema, name);
}

static int64_t count_rows(struct fx *f, const char *name)
{
    struct xf_result r =
        query_ok(f, xf_arena_printf(&f->arena, "select count(*) from %s", rel(f, name)));
    assert_int_equal(r.cells[0].t, XF_V_INT);
    return r.cells[0].u.i;
}

static enum xf_relkind kind(struct fx *f, const char *name)
{
    struct xf_relation r = {NULL, f->schema, name};
    enum xf_relkind k = XF_REL_NONE;
    xf_buf_reset(&f->err);
    if (f->ops->relation_kind(f->conn, &r, &k, &f->err) < 0)
        fail_msg("relation_kind: %s", f->err.ptr);
    return k;
}

static int replace(struct fx *f, const char *name, enum xf_relkind k, const char *sql)
{
    struct xf_relation r = {NULL, f->schema, name};
    xf_buf_reset(&f->err);
    xf_buf_reset(&f->executed);
    return f->ops->replace_relation(f->conn, &r, k, sql, NULL, NULL, &f->executed, &f->err);
}

static const char *sub(struct fx *f, const char *fmt)
{
    /* fmt has one %s for the schema */
    return xf_arena_printf(&f->arena, fmt, f->schema);
}

static void test_query_types(void **state)
{
    struct fx *f = *state;
    struct xf_result r =
        query_ok(f, "select 1 as i, 2::bigint as b, 3.5::float8 as f, 12.50::numeric as n, "
                    "42::numeric as whole, true as t, 'x' as s, null::text as z, "
                    "date '2024-01-31' as d, sum(x) as total from (values (1), (2)) v(x)");
    assert_int_equal(r.nrows, 1);
    assert_int_equal(r.ncols, 10);
    assert_string_equal(r.colnames[0], "i");
    assert_string_equal(r.coltypes[0], "integer");
    assert_string_equal(r.coltypes[1], "bigint");
    assert_string_equal(r.coltypes[2], "double precision");
    assert_string_equal(r.coltypes[3], "numeric");
    assert_string_equal(r.coltypes[5], "boolean");
    assert_string_equal(r.coltypes[8], "date");
    struct xf_value *c = r.cells;
    assert_int_equal(c[0].t, XF_V_INT);
    assert_int_equal(c[0].u.i, 1);
    assert_int_equal(c[1].u.i, 2);
    assert_int_equal(c[2].t, XF_V_FLOAT);
    assert_true(c[2].u.f == 3.5);
    assert_int_equal(c[3].t, XF_V_FLOAT);
    assert_true(c[3].u.f == 12.5);
    assert_int_equal(c[4].t, XF_V_INT);
    assert_int_equal(c[4].u.i, 42);
    assert_int_equal(c[5].t, XF_V_BOOL);
    assert_true(c[5].u.b);
    assert_true(xf_str_eqc(c[6].u.s, "x"));
    assert_int_equal(c[7].t, XF_V_NONE);
    assert_true(xf_str_eqc(c[8].u.s, "2024-01-31"));
    assert_int_equal(c[9].t, XF_V_INT); /* sum(int) is bigint */
    assert_int_equal(c[9].u.i, 3);

    /* errors: the server's message and the position in the SQL given */
    xf_buf_reset(&f->err);
    assert_true(f->ops->exec(f->conn, "select 1;\nselect nope\n  from pg_class", &f->err) < 0);
    assert_string_equal(f->err.ptr, "column \"nope\" does not exist (line 2, column 8)\n"
                                    " 2 | select nope\n"
                                    "   |        ^~~~");
    xf_buf_reset(&f->err);
    assert_true(f->ops->exec(f->conn, "select 'é', nöpe", &f->err) < 0);
    assert_string_equal(f->err.ptr, "column \"nöpe\" does not exist (line 1, column 13)\n"
                                    " 1 | select 'é', nöpe\n"
                                    "   |             ^~~~");

    /* notices are not printed (nothing here prints) and do not fail */
    exec_ok(f, "drop table if exists pg_temp.never_there");
}

static void connect_fails(struct fx *f, const char *const *kv, const char *must,
                          const char *must_not)
{
    struct xf_target t = f->target;
    t.settings = settings(&f->arena, kv);
    struct xf_conn *c = NULL;
    xf_buf_reset(&f->err);
    int rc = f->ops->connect(&c, &t, ".", &f->err);
    if (rc == 0) {
        f->ops->disconnect(c);
        fail_msg("connect with %s=%s succeeded", kv[0], kv[1]);
    }
    assert_null(c);
    if (must && !strstr(f->err.ptr, must))
        fail_msg("'%s' not in '%s'", must, f->err.ptr);
    if (must_not && strstr(f->err.ptr, must_not))
        fail_msg("'%s' leaked in '%s'", must_not, f->err.ptr);
}

static void test_connect_errors(void **state)
{
    struct fx *f = *state;
    /* unreachable server */
    const char *unreachable[] = {"host",     "127.0.0.1",      "port", "1",
                                 "dbname",   "warehouse",      "user", "analyst",
                                 "password", "hunter2-secret", NULL};
    connect_fails(f, unreachable,
                  "host '127.0.0.1' port 1 database 'warehouse' user 'analyst': "
                  "connection to server at \"127.0.0.1\", port 1 failed: ",
                  "hunter2-secret");

    /* a conninfo libpq cannot parse, with a password in it */
    const char *bad[] = {"conninfo", "host=localhost password=topsecret-pw bogus", NULL};
    connect_fails(f, bad, "is not a valid libpq connection string", "topsecret-pw");
    assert_non_null(strstr(f->err.ptr, "missing \"=\" after \"...\""));
    const char *bad_uri[] = {"conninfo", "postgresql://u:topsecret-pw@[::1/db", NULL};
    connect_fails(f, bad_uri, "is not a valid libpq connection string", "topsecret-pw");

    /* a missing database on the real server: the conninfo, then an override */
    const char *nodb[] = {"conninfo", conninfo, "dbname", "xf_no_such_database", NULL};
    connect_fails(f, nodb, "database 'xf_no_such_database'", NULL);
    assert_non_null(strstr(f->err.ptr, "does not exist"));

    /* a wrong password (only when the server asks for one) */
    const char *wrong[] = {"conninfo", conninfo, "password", "wrong-pw-123456", NULL};
    struct xf_target t = f->target;
    t.settings = settings(&f->arena, wrong);
    struct xf_conn *c = NULL;
    xf_buf_reset(&f->err);
    if (f->ops->connect(&c, &t, ".", &f->err) == 0) {
        print_message("note: the server does not check passwords; wrong-password case skipped\n");
        f->ops->disconnect(c);
    } else {
        assert_non_null(strstr(f->err.ptr, "password authentication failed"));
        assert_int_equal(strncmp(f->err.ptr, "host '", 6), 0);
        assert_non_null(strstr(f->err.ptr, "' port "));
        assert_non_null(strstr(f->err.ptr, " database '"));
        assert_null(strstr(f->err.ptr, "wrong-pw-123456"));
        /* nor the real one, from the conninfo */
        PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
        for (PQconninfoOption *o = opts; o && o->keyword; o++)
            if (strcmp(o->keyword, "password") == 0 && o->val && *o->val)
                assert_null(strstr(f->err.ptr, o->val));
        PQconninfoFree(opts);
    }
}

static void test_settings_search_path_role(void **state)
{
    struct fx *f = *state;
    const char *kv[] = {"conninfo",        conninfo, "search_path", f->schema,
                        "connect_timeout", "5",      NULL};
    struct xf_target t = f->target;
    t.settings = settings(&f->arena, kv);
    struct xf_conn *c = NULL;
    xf_buf_reset(&f->err);
    assert_int_equal(f->ops->connect(&c, &t, ".", &f->err), 0);
    struct xf_result r;
    assert_int_equal(f->ops->query(c,
                                   "select current_schemas(false)::text, "
                                   "current_setting('application_name')",
                                   &f->arena, &r, &f->err),
                     0);
    assert_non_null(strstr(r.cells[0].u.s.p, f->schema));
    assert_true(xf_str_eqc(r.cells[1].u.s, "xform"));
    f->ops->disconnect(c);

    const char *bad_role[] = {"conninfo", conninfo, "role", "xf_no_such_role", NULL};
    t.settings = settings(&f->arena, bad_role);
    xf_buf_reset(&f->err);
    assert_true(f->ops->connect(&c, &t, ".", &f->err) < 0);
    assert_non_null(strstr(f->err.ptr, "role \"xf_no_such_role\" does not exist"));
    assert_non_null(strstr(f->err.ptr, "role 'xf_no_such_role'"));
}

static void test_env_defaults(void **state)
{
    /* no connection keys at all: libpq's PG* environment variables decide */
    struct fx *f = *state;
    static const struct {
        const char *kw, *env;
    } env[] = {{"host", "PGHOST"},         {"port", "PGPORT"},       {"user", "PGUSER"},
               {"password", "PGPASSWORD"}, {"dbname", "PGDATABASE"}, {"sslmode", "PGSSLMODE"}};
    PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
    assert_non_null(opts);
    for (PQconninfoOption *o = opts; o->keyword; o++)
        for (size_t i = 0; i < sizeof env / sizeof *env; i++)
            if (strcmp(o->keyword, env[i].kw) == 0 && o->val && *o->val)
                setenv(env[i].env, o->val, 1);
    PQconninfoFree(opts);
    struct xf_target t = f->target;
    t.settings = xf_v_dict(&f->arena, 0);
    struct xf_conn *c = NULL;
    xf_buf_reset(&f->err);
    int rc = f->ops->connect(&c, &t, ".", &f->err);
    for (size_t i = 0; i < sizeof env / sizeof *env; i++)
        unsetenv(env[i].env);
    if (rc < 0)
        fail_msg("connect from the environment: %s", f->err.ptr);
    struct xf_result r;
    assert_int_equal(f->ops->query(c, "select 1", &f->arena, &r, &f->err), 0);
    assert_int_equal(r.cells[0].u.i, 1);
    f->ops->disconnect(c);
}

static void test_dialect(void **state)
{
    struct fx *f = *state;
    struct xf_buf b = XF_BUF_INIT;
    f->ops->quote(&b, "a\"b");
    assert_string_equal(b.ptr, "\"a\"\"b\"");
    xf_buf_reset(&b);
    /* as dbt-postgres: the database is part of the name when there is one */
    struct xf_relation r = {"db", "analytics", "orders"};
    f->ops->render_relation(&b, &r);
    assert_string_equal(b.ptr, "\"db\".\"analytics\".\"orders\"");
    xf_buf_reset(&b);
    struct xf_relation r2 = {NULL, "analytics", "orders"};
    f->ops->render_relation(&b, &r2);
    assert_string_equal(b.ptr, "\"analytics\".\"orders\"");
    xf_buf_release(&b);
    assert_true(f->ops->database_names);
    assert_string_equal(f->ops->type_name(XF_COL_INTEGER), "bigint");
    assert_string_equal(f->ops->type_name(XF_COL_REAL), "double precision");
    assert_string_equal(f->ops->type_name(XF_COL_BOOLEAN), "boolean");
    assert_string_equal(f->ops->type_name(XF_COL_DATE), "date");
    assert_string_equal(f->ops->type_name(XF_COL_TIMESTAMP), "timestamp");
    assert_string_equal(f->ops->type_name(XF_COL_TEXT), "text");
    assert_false(f->ops->single_writer);
}

static void seed_orders(struct fx *f)
{
    assert_int_equal(replace(f, "orders", XF_REL_TABLE,
                             "select i as id, 'ok' as status from generate_series(1, 1000) i"),
                     0);
    assert_int_equal(count_rows(f, "orders"), 1000);
}

static void assert_orders_intact(struct fx *f)
{
    assert_int_equal(kind(f, "orders"), XF_REL_TABLE);
    assert_int_equal(kind(f, "orders__xform_tmp"), XF_REL_NONE);
    assert_int_equal(kind(f, "orders__xform_backup"), XF_REL_NONE);
    struct xf_result r = query_ok(
        f, xf_arena_printf(&f->arena, "select status, count(*), sum(id) from %s group by 1",
                           rel(f, "orders")));
    assert_int_equal(r.nrows, 1);
    assert_true(xf_str_eqc(r.cells[0].u.s, "ok"));
    assert_int_equal(r.cells[1].u.i, 1000);
    assert_int_equal(r.cells[2].u.i, 500500);
}

static void test_replace_table(void **state)
{
    struct fx *f = *state;
    seed_orders(f);
    assert_non_null(strstr(f->executed.ptr, sub(f, "create table \"%s\".\"orders__xform_tmp\" "
                                                   "as (\nselect i as id")));
    assert_orders_intact(f);
    assert_int_equal(
        replace(f, "orders", XF_REL_TABLE, "select 1 as id, 'new' as status, 2.5 as amount;\n"), 0);
    assert_non_null(strstr(f->executed.ptr, sub(f, "alter table \"%s\".\"orders\" rename to "
                                                   "\"orders__xform_backup\"")));
    assert_non_null(strstr(f->executed.ptr, sub(f, "drop table \"%s\".\"orders__xform_backup\" "
                                                   "cascade")));
    assert_int_equal(count_rows(f, "orders"), 1);
    assert_int_equal(kind(f, "orders__xform_backup"), XF_REL_NONE);

    /* fails at run time, half way through */
    seed_orders(f);
    assert_true(replace(f, "orders", XF_REL_TABLE,
                        "select i as id, (1 / (i - 500))::text as status "
                        "from generate_series(1, 1000) i") < 0);
    assert_string_equal(f->err.ptr, "division by zero");
    assert_non_null(strstr(f->executed.ptr, "rollback"));
    assert_orders_intact(f);

    /* fails at parse: the position is within the model's SQL */
    assert_true(replace(f, "orders", XF_REL_TABLE,
                        "select id,\n       missing_col\nfrom generate_series(1, 2) id") < 0);
    assert_string_equal(f->err.ptr, "column \"missing_col\" does not exist (line 2, column 8)\n"
                                    " 2 |        missing_col\n"
                                    "   |        ^~~~~~~~~~~");
    assert_orders_intact(f);

    /* a view becomes a table and back */
    assert_int_equal(replace(f, "v", XF_REL_VIEW, "select 1 as x"), 0);
    assert_int_equal(replace(f, "v", XF_REL_TABLE, "select 2 as x"), 0);
    assert_int_equal(kind(f, "v"), XF_REL_TABLE);
    assert_int_equal(replace(f, "v", XF_REL_VIEW, "select 3 as x, 4 as y"), 0);
    assert_int_equal(kind(f, "v"), XF_REL_VIEW);
}

static void test_leftovers_and_long_names(void **state)
{
    struct fx *f = *state;
    exec_ok(f, sub(f, "create table \"%s\".\"orders__xform_tmp\" (junk int)"));
    exec_ok(f, sub(f, "create view \"%s\".\"orders__xform_backup\" as select 1 as junk"));
    seed_orders(f);
    assert_orders_intact(f);

    /* 63 bytes: the longest Postgres name; temporary names stay distinct */
    const char *long_name = "a_very_long_model_name_that_fills_all_of_the_63_bytes_available";
    assert_int_equal(strlen(long_name), 63);
    assert_int_equal(replace(f, long_name, XF_REL_TABLE, "select 1 as x"), 0);
    assert_int_equal(replace(f, long_name, XF_REL_TABLE, "select 2 as x union all select 3"), 0);
    assert_int_equal(count_rows(f, long_name), 2);
    struct xf_relation *rels;
    enum xf_relkind *kinds;
    size_t n;
    assert_int_equal(
        f->ops->list_relations(f->conn, f->schema, &f->arena, &rels, &kinds, &n, &f->err), 0);
    assert_int_equal(n, 2); /* the long one and orders: nothing left over */
}

static void test_replace_inside_caller_transaction(void **state)
{
    struct fx *f = *state;
    seed_orders(f);
    xf_buf_reset(&f->err);
    assert_int_equal(f->ops->begin(f->conn, &f->err), 0);
    assert_true(replace(f, "orders", XF_REL_TABLE, "select nope") < 0);
    assert_non_null(strstr(f->executed.ptr, "savepoint xform_replace"));
    /* the caller's transaction is still usable */
    assert_int_equal(replace(f, "other", XF_REL_TABLE, "select 1 as x"), 0);
    xf_buf_reset(&f->err);
    assert_int_equal(f->ops->rollback(f->conn, &f->err), 0);
    assert_int_equal(kind(f, "other"), XF_REL_NONE);
    assert_orders_intact(f);
    assert_int_equal(f->ops->rollback(f->conn, &f->err), 0); /* idle: no error */
}

static void test_replace_view(void **state)
{
    struct fx *f = *state;
    seed_orders(f);
    const char *v1 = sub(f, "select id from \"%s\".orders where id > 900");
    assert_int_equal(replace(f, "big", XF_REL_VIEW, v1), 0);
    assert_int_equal(kind(f, "big"), XF_REL_VIEW);
    assert_int_equal(count_rows(f, "big"), 100);
    /* columns change order and type: `create or replace view` could not do this */
    const char *v2 = sub(f, "select status, id::text as id from \"%s\".orders where id > 990");
    assert_int_equal(replace(f, "big", XF_REL_VIEW, v2), 0);
    struct xf_column_info *cols;
    size_t n;
    struct xf_relation big = {NULL, f->schema, "big"};
    assert_int_equal(f->ops->columns(f->conn, &big, &f->arena, &cols, &n, &f->err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(cols[0].name, "status");
    assert_string_equal(cols[1].data_type, "text");
    assert_int_equal(count_rows(f, "big"), 10);

    /* a bad view fails and the old one stays */
    assert_true(replace(f, "big", XF_REL_VIEW, sub(f, "select * from \"%s\".nope")) < 0);
    assert_non_null(strstr(f->err.ptr, "does not exist (line 1, column 15)"));
    assert_int_equal(kind(f, "big"), XF_REL_VIEW);
    assert_int_equal(count_rows(f, "big"), 10);
    assert_int_equal(kind(f, "big__xform_tmp"), XF_REL_NONE);
}

static void test_dependent_view_on_replaced_table(void **state)
{
    /* Better than dbt-postgres, which drops it: the dependent view is recreated
     * over the new table, and one that no longer fits is dropped. */
    struct fx *f = *state;
    seed_orders(f);
    assert_int_equal(replace(f, "dep", XF_REL_VIEW, sub(f, "select id from \"%s\".orders")), 0);
    assert_int_equal(replace(f, "orders", XF_REL_TABLE, "select 5 as id, 'x' as status"), 0);
    assert_int_equal(count_rows(f, "orders"), 1);
    assert_int_equal(kind(f, "dep"), XF_REL_VIEW);
    assert_int_equal(count_rows(f, "dep"), 1); /* it reads the new table */
    /* a replacement without the column the view needs: the view cannot stay */
    assert_int_equal(replace(f, "orders", XF_REL_TABLE, "select 'x' as status"), 0);
    assert_int_equal(kind(f, "dep"), XF_REL_NONE);
}

static struct xf_csv make_csv(struct xf_arena *a, size_t ncols, const char *const *header,
                              const enum xf_coltype *types, size_t nrows, const char *const *cells)
{
    struct xf_csv csv = {.ncols = ncols, .nrows = nrows};
    csv.header = XF_ANEWN(a, struct xf_str, ncols);
    csv.types = XF_ANEWN(a, enum xf_coltype, ncols);
    csv.cells = XF_ANEWN(a, struct xf_str, ncols * nrows + 1);
    for (size_t i = 0; i < ncols; i++) {
        csv.header[i] = xf_str_c(header[i]);
        csv.types[i] = types[i];
    }
    for (size_t i = 0; i < ncols * nrows; i++)
        csv.cells[i] = cells[i] ? xf_str_c(cells[i]) : (struct xf_str){NULL, 0};
    return csv;
}

static void test_seed_types(void **state)
{
    struct fx *f = *state;
    static const char *const header[] = {"id", "price", "active", "day", "at", "name"};
    static const enum xf_coltype types[] = {XF_COL_INTEGER, XF_COL_REAL,      XF_COL_BOOLEAN,
                                            XF_COL_DATE,    XF_COL_TIMESTAMP, XF_COL_TEXT};
    static const char *const cells[] = {
        "1",
        "2.50",
        "true",
        "2024-01-31",
        "2024-01-31 10:00:00",
        "Alice, \"Al\"\nSmith",
        "-2",
        "1e3",
        "False",
        "2024-02-29",
        "2024-02-29T23:59:59",
        "",
        NULL,
        NULL,
        NULL,
        NULL,
        NULL,
        NULL,
        "3",
        "",
        "no",
        "2024-03-01",
        "2024-03-01 00:00:00.5",
        "\\N",
    };
    struct xf_csv csv = make_csv(&f->arena, 6, header, types, 4, cells);
    struct xf_relation r = {NULL, f->schema, "people"};
    xf_buf_reset(&f->err);
    xf_buf_reset(&f->executed);
    if (f->ops->load_seed(f->conn, &r, &csv, NULL, NULL, &f->executed, &f->err) < 0)
        fail_msg("load_seed: %s", f->err.ptr);
    assert_non_null(strstr(f->executed.ptr, "(\"id\" bigint, \"price\" double precision, "
                                            "\"active\" boolean, \"day\" date, \"at\" timestamp, "
                                            "\"name\" text)"));
    assert_non_null(strstr(f->executed.ptr, "from stdin with (format csv); -- 4 rows"));
    struct xf_result res =
        query_ok(f, xf_arena_printf(&f->arena,
                                    "select id, price, active, day::text, at::text, name from %s "
                                    "order by id nulls last",
                                    rel(f, "people")));
    assert_int_equal(res.nrows, 4);
    struct xf_value *c = res.cells;
    assert_int_equal(c[0].u.i, -2);
    assert_true(c[1].u.f == 1000.0);
    assert_int_equal(c[2].t, XF_V_BOOL);
    assert_false(c[2].u.b);
    assert_true(xf_str_eqc(c[4].u.s, "2024-02-29 23:59:59"));
    assert_int_equal(c[5].t, XF_V_STR); /* quoted empty text stays '' */
    assert_int_equal(c[5].u.s.len, 0);
    c += 6;
    assert_int_equal(c[0].u.i, 1);
    assert_true(c[1].u.f == 2.5);
    assert_true(c[2].u.b);
    assert_true(xf_str_eqc(c[3].u.s, "2024-01-31"));
    assert_true(xf_str_eqc(c[5].u.s, "Alice, \"Al\"\nSmith"));
    c += 6;
    assert_int_equal(c[0].u.i, 3);
    assert_int_equal(c[1].t, XF_V_NONE); /* empty in a number column: NULL */
    assert_true(xf_str_eqc(c[4].u.s, "2024-03-01 00:00:00.5"));
    assert_true(xf_str_eqc(c[5].u.s, "\\N"));
    c += 6;
    for (int i = 0; i < 6; i++)
        assert_int_equal(c[i].t, XF_V_NONE);

    /* declared types win over inferred ones */
    static const char *const given[] = {"varchar(5)", NULL, NULL, "text", NULL, NULL};
    assert_int_equal(f->ops->load_seed(f->conn, &r, &csv, given, NULL, NULL, &f->err), 0);
    struct xf_column_info *cols;
    size_t n;
    assert_int_equal(f->ops->columns(f->conn, &r, &f->arena, &cols, &n, &f->err), 0);
    assert_int_equal(n, 6);
    assert_string_equal(cols[0].data_type, "character varying(5)");
    assert_string_equal(cols[1].data_type, "double precision");
    assert_string_equal(cols[3].data_type, "text");
    assert_string_equal(cols[4].data_type, "timestamp without time zone");
    assert_int_equal(cols[5].position, 6);
    assert_int_equal(count_rows(f, "people"), 4);

    /* a value the column type refuses: the server's message with the row, old table kept */
    static const char *const bad_cells[] = {"1", "2", "3", "x4"};
    static const char *const h1[] = {"id"};
    static const enum xf_coltype t1[] = {XF_COL_INTEGER};
    struct xf_csv bad = make_csv(&f->arena, 1, h1, t1, 4, bad_cells);
    xf_buf_reset(&f->err);
    assert_true(f->ops->load_seed(f->conn, &r, &bad, NULL, NULL, NULL, &f->err) < 0);
    assert_non_null(strstr(f->err.ptr, "invalid input syntax for type bigint: \"x4\""));
    assert_non_null(strstr(f->err.ptr, "line 4, column id"));
    assert_int_equal(count_rows(f, "people"), 4);
    assert_int_equal(kind(f, "people__xform_tmp"), XF_REL_NONE);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_seed_100k(void **state)
{
    struct fx *f = *state;
    enum { ROWS = 100000 };
    static const char *const header[] = {"id", "amount", "flag", "day", "label"};
    static const enum xf_coltype types[] = {XF_COL_INTEGER, XF_COL_REAL, XF_COL_BOOLEAN,
                                            XF_COL_DATE, XF_COL_TEXT};
    struct xf_csv csv = make_csv(&f->arena, 5, header, types, 0, NULL);
    csv.nrows = ROWS;
    csv.cells = XF_ANEWN(&f->arena, struct xf_str, 5 * (size_t)ROWS);
    for (size_t i = 0; i < ROWS; i++) {
        struct xf_str *c = csv.cells + i * 5;
        c[0] = xf_str_c(xf_arena_printf(&f->arena, "%zu", i + 1));
        c[1] = xf_str_c(xf_arena_printf(&f->arena, "%zu.25", i));
        c[2] = xf_str_c(i % 2 ? "true" : "false");
        c[3] = xf_str_c("2024-05-01");
        c[4] = xf_str_c(xf_arena_printf(&f->arena, "label, \"number\" %zu", i));
    }
    struct xf_relation r = {NULL, f->schema, "big_seed"};
    double t0 = now_s();
    xf_buf_reset(&f->err);
    assert_int_equal(f->ops->load_seed(f->conn, &r, &csv, NULL, NULL, NULL, &f->err), 0);
    double dt = now_s() - t0;
    print_message("postgres seed of %d rows x 5 columns loaded in %.3f s\n", ROWS, dt);
    struct xf_result res = query_ok(
        f, xf_arena_printf(&f->arena,
                           "select count(*), sum(id), count(*) filter (where flag), max(amount), "
                           "min(label) from %s",
                           rel(f, "big_seed")));
    assert_int_equal(res.cells[0].u.i, ROWS);
    assert_int_equal(res.cells[1].u.i, (int64_t)ROWS * (ROWS + 1) / 2);
    assert_int_equal(res.cells[2].u.i, ROWS / 2);
    assert_true(res.cells[3].u.f == 99999.25);
    assert_true(xf_str_eqc(res.cells[4].u.s, "label, \"number\" 0"));
    assert_true(dt < 30.0);
}

static void test_introspection(void **state)
{
    struct fx *f = *state;
    assert_int_equal(replace(f, "b_table", XF_REL_TABLE,
                             "select 1::int as id, 'x'::varchar(20) as name, now() as at"),
                     0);
    assert_int_equal(replace(f, "a_view", XF_REL_VIEW, sub(f, "select id from \"%s\".b_table")), 0);
    exec_ok(f, sub(f, "create materialized view \"%s\".c_mat as select 1 as one"));
    struct xf_relation *rels;
    enum xf_relkind *kinds;
    size_t n;
    xf_buf_reset(&f->err);
    assert_int_equal(
        f->ops->list_relations(f->conn, f->schema, &f->arena, &rels, &kinds, &n, &f->err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(rels[0].identifier, "a_view");
    assert_int_equal(kinds[0], XF_REL_VIEW);
    assert_string_equal(rels[0].schema, f->schema);
    assert_non_null(rels[0].database);
    assert_string_equal(rels[1].identifier, "b_table");
    assert_int_equal(kinds[1], XF_REL_TABLE);
    assert_int_equal(kinds[2], XF_REL_VIEW);

    assert_int_equal(
        f->ops->list_relations(f->conn, "xf_no_such_schema", &f->arena, &rels, &kinds, &n, &f->err),
        0);
    assert_int_equal(n, 0);

    struct xf_column_info *cols;
    struct xf_relation b = {NULL, f->schema, "b_table"};
    assert_int_equal(f->ops->columns(f->conn, &b, &f->arena, &cols, &n, &f->err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(cols[0].data_type, "integer");
    assert_string_equal(cols[1].data_type, "character varying(20)");
    assert_string_equal(cols[2].data_type, "timestamp with time zone");
    assert_int_equal(cols[2].position, 3);
    exec_ok(f, sub(f, "alter table \"%s\".b_table drop column name"));
    assert_int_equal(f->ops->columns(f->conn, &b, &f->arena, &cols, &n, &f->err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(cols[1].name, "at");
    assert_int_equal(cols[1].position, 2);

    /* a schema that does not exist yet, then twice */
    char other[80];
    snprintf(other, sizeof other, "%s_b", f->schema);
    assert_int_equal(f->ops->ensure_schema(f->conn, other, &f->err), 0);
    assert_int_equal(f->ops->ensure_schema(f->conn, other, &f->err), 0);
    struct xf_relation in_other = {NULL, other, "t"};
    assert_int_equal(
        f->ops->replace_relation(f->conn, &in_other, XF_REL_TABLE, "select 1 as x", NULL, NULL, NULL,
                                  &f->err),
        0);
    struct xf_buf sql = XF_BUF_INIT;
    xf_buf_addf(&sql, "drop schema \"%s\" cascade", other);
    exec_ok(f, sql.ptr);
    xf_buf_release(&sql);

    /* drop: view, materialized view, table, and nothing */
    struct xf_relation d = {NULL, f->schema, "a_view"};
    assert_int_equal(f->ops->drop_relation(f->conn, &d, &f->err), 0);
    assert_int_equal(f->ops->drop_relation(f->conn, &d, &f->err), 0);
    d.identifier = "c_mat";
    assert_int_equal(f->ops->drop_relation(f->conn, &d, &f->err), 0);
    d.identifier = "b_table";
    assert_int_equal(f->ops->drop_relation(f->conn, &d, &f->err), 0);
    assert_int_equal(
        f->ops->list_relations(f->conn, f->schema, &f->arena, &rels, &kinds, &n, &f->err), 0);
    assert_int_equal(n, 0);
}

struct cancel_arg {
    const struct xf_adapter_ops *ops;
    struct xf_conn *conn;
};

static void *cancel_later(void *p)
{
    struct cancel_arg *a = p;
    usleep(300 * 1000);
    a->ops->cancel(a->conn);
    return NULL;
}

static void test_cancel(void **state)
{
    struct fx *f = *state;
    seed_orders(f);
    struct cancel_arg arg = {f->ops, f->conn};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, cancel_later, &arg), 0);
    double t0 = now_s();
    int rc = replace(f, "orders", XF_REL_TABLE,
                     "select i as id, 'x' as status from generate_series(1, 10) i, "
                     "pg_sleep(30)");
    pthread_join(th, NULL);
    assert_true(rc < 0);
    assert_string_equal(f->err.ptr, "canceling statement due to user request");
    assert_true(now_s() - t0 < 10.0);
    assert_orders_intact(f);

    /* a cancel between statements stops the next one, once */
    f->ops->cancel(f->conn);
    xf_buf_reset(&f->err);
    assert_true(f->ops->exec(f->conn, "select 1", &f->err) < 0);
    assert_string_equal(f->err.ptr, "canceling statement due to user request");
    exec_ok(f, "select 1");
}

int main(void)
{
    conninfo = getenv("XF_TEST_PG_CONNINFO");
    if (!conninfo || !*conninfo) {
        printf("skipped: XF_TEST_PG_CONNINFO not set\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_query_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connect_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_settings_search_path_role, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dialect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leftovers_and_long_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_inside_caller_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_view, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dependent_view_on_replaced_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seed_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seed_100k, setup, teardown),
        cmocka_unit_test_setup_teardown(test_introspection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
