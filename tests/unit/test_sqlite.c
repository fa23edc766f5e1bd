// SPDX-License-Identifier: MIT
/*
 * Unit tests for the SQLite adapter against real database files in a
 * temporary folder: atomic replacement of tables and views (and what is
 * left after a failure), seeds, schemas as attached files, introspection,
 * the SQL functions xform registers (md5, split_part, least, greatest) and
 * cancellation.
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
#include <sqlite3.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "adapters/adapter.h"
#include "adapters/sqlite.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/path.h"

struct fx {
    char dir[64];
    char *db_path;
    struct xf_target target;
    const struct xf_adapter_ops *ops;
    struct xf_conn *conn;
    struct xf_arena arena;
    struct xf_buf err, executed;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/xf_sqlite_XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    xf_arena_init(&f->arena);
    f->db_path = xf_path_join(&f->arena, f->dir, "warehouse.db");
    f->target = (struct xf_target){
        .name = "dev", .type = "sqlite", .schema = "main", .database = f->db_path, .threads = 1};
    f->ops = xf_adapter_find("sqlite");
    xf_buf_init(&f->err, 0);
    xf_buf_init(&f->executed, 0);
    if (!f->ops || f->ops->connect(&f->conn, &f->target, f->dir, &f->err) < 0) {
        fprintf(stderr, "connect: %s\n", f->err.ptr);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (f->conn)
        f->ops->disconnect(f->conn);
    xf_remove_tree(f->dir);
    xf_buf_release(&f->err);
    xf_buf_release(&f->executed);
    xf_arena_release(&f->arena);
    free(f);
    return 0;
}

static void exec_ok(struct fx *f, const char *sql)
{
    xf_buf_reset(&f->err);
    int rc = f->ops->exec(f->conn, sql, &f->err);
    if (rc < 0)
        fail_msg("exec '%s': %s", sql, f->err.ptr);
}

static struct xf_result query_ok(struct fx *f, struct xf_conn *c, const char *sql)
{
    struct xf_result r;
    xf_buf_reset(&f->err);
    if (f->ops->query(c ? c : f->conn, sql, &f->arena, &r, &f->err) < 0)
        fail_msg("query '%s': %s", sql, f->err.ptr);
    return r;
}

static int64_t count_rows(struct fx *f, const char *rel)
{
    char sql[256];
    snprintf(sql, sizeof sql, "select count(*) from %s", rel);
    struct xf_result r = query_ok(f, NULL, sql);
    assert_int_equal(r.nrows, 1);
    assert_int_equal(r.cells[0].t, XF_V_INT);
    return r.cells[0].u.i;
}

static enum xf_relkind kind(struct fx *f, const char *schema, const char *name)
{
    struct xf_relation r = {NULL, schema, name};
    enum xf_relkind k = XF_REL_NONE;
    xf_buf_reset(&f->err);
    if (f->ops->relation_kind(f->conn, &r, &k, &f->err) < 0)
        fail_msg("relation_kind: %s", f->err.ptr);
    return k;
}

static int replace(struct fx *f, const char *schema, const char *name, enum xf_relkind k,
                   const char *sql)
{
    struct xf_relation r = {NULL, schema, name};
    xf_buf_reset(&f->err);
    xf_buf_reset(&f->executed);
    return f->ops->replace_relation(f->conn, &r, k, sql, NULL, NULL, &f->executed, &f->err);
}

static void test_registry(void **state)
{
    assert_non_null(xf_adapter_find("sqlite"));
    assert_null(xf_adapter_find("oracle"));
    assert_null(xf_adapter_find(NULL));
    const char *const *names = xf_adapter_names();
    size_t n = 0;
    bool sqlite = false;
    for (; names[n]; n++) {
        assert_ptr_equal(xf_adapter_find(names[n]), xf_adapter_find(names[n]));
        assert_string_equal(xf_adapter_find(names[n])->name, names[n]);
        sqlite |= strcmp(names[n], "sqlite") == 0;
    }
    assert_true(sqlite);
    assert_true(xf_adapter_find("sqlite")->single_writer);
}

static void test_connect_and_query(void **state)
{
    struct fx *f = *state;
    assert_true(xf_is_file(f->db_path));
    exec_ok(f, "create table t (i integer, r real, s text, n text);"
               "insert into t values (1, 2.5, 'x', null); -- two statements\n"
               "insert into t values (-7, 0.0, '', null)");
    struct xf_result r = query_ok(f, NULL, "select i, r, s, n, i + 1 as j from t order by i");
    assert_int_equal(r.ncols, 5);
    assert_int_equal(r.nrows, 2);
    assert_string_equal(r.colnames[0], "i");
    assert_string_equal(r.colnames[4], "j");
    /* sqlite reports its standard type names in upper case */
    assert_string_equal(r.coltypes[0], "INTEGER");
    assert_string_equal(r.coltypes[1], "REAL");
    assert_string_equal(r.coltypes[4], "");
    struct xf_value *row = r.cells;
    assert_int_equal(row[0].t, XF_V_INT);
    assert_int_equal(row[0].u.i, -7);
    assert_int_equal(row[2].t, XF_V_STR);
    assert_int_equal(row[2].u.s.len, 0);
    row = r.cells + 5;
    assert_int_equal(row[0].u.i, 1);
    assert_int_equal(row[1].t, XF_V_FLOAT);
    assert_true(row[1].u.f == 2.5);
    assert_true(xf_str_eqc(row[2].u.s, "x"));
    assert_int_equal(row[3].t, XF_V_NONE);
    assert_int_equal(row[4].u.i, 2);

    /* WAL, foreign keys off */
    r = query_ok(f, NULL, "pragma journal_mode");
    assert_true(xf_str_eqc(r.cells[0].u.s, "wal"));
    r = query_ok(f, NULL, "pragma foreign_keys");
    assert_int_equal(r.cells[0].u.i, 0);

    /* errors carry the database's message and the position */
    xf_buf_reset(&f->err);
    assert_true(f->ops->exec(f->conn, "select 1;\nselect nope\n  from t", &f->err) < 0);
    assert_string_equal(f->err.ptr, "no such column: nope (line 2, column 8)\n"
                                    " 2 | select nope\n"
                                    "   |        ^~~~");
    xf_buf_reset(&f->err);
    assert_true(f->ops->exec(f->conn, "selec 1", &f->err) < 0);
    assert_string_equal(f->err.ptr, "near \"selec\": syntax error (line 1, column 1)\n"
                                    " 1 | selec 1\n"
                                    "   | ^~~~~");
}

static void test_connect_errors(void **state)
{
    struct fx *f = *state;
    struct xf_target t = f->target;
    struct xf_conn *c = NULL;
    t.database = NULL;
    xf_buf_reset(&f->err);
    assert_true(f->ops->connect(&c, &t, f->dir, &f->err) < 0);
    assert_null(c);
    assert_non_null(strstr(f->err.ptr, "has no database file"));

    /* a folder where the file should be */
    t.database = f->dir;
    xf_buf_reset(&f->err);
    assert_true(f->ops->connect(&c, &t, f->dir, &f->err) < 0);
    assert_null(c);
    assert_non_null(strstr(f->err.ptr, "could not open the sqlite database"));
    assert_non_null(strstr(f->err.ptr, f->dir));

    /* missing parent folders are created */
    t.database = xf_arena_printf(&f->arena, "%s/sub/dir/dev.db", f->dir);
    xf_buf_reset(&f->err);
    assert_int_equal(f->ops->connect(&c, &t, f->dir, &f->err), 0);
    assert_true(xf_is_file(t.database));
    f->ops->disconnect(c);

    t.database = f->db_path;
    t.schema = "a/b";
    xf_buf_reset(&f->err);
    assert_true(f->ops->connect(&c, &t, f->dir, &f->err) < 0);
    assert_non_null(strstr(f->err.ptr, "invalid schema name 'a/b': " XF_SCHEMA_NAME_RULE));
}

static void test_quote_render_types(void **state)
{
    struct fx *f = *state;
    struct xf_buf b = XF_BUF_INIT;
    f->ops->quote(&b, "we\"ird");
    assert_string_equal(b.ptr, "\"we\"\"ird\"");
    xf_buf_reset(&b);
    struct xf_relation r = {"db", "main", "orders"};
    f->ops->render_relation(&b, &r);
    assert_string_equal(b.ptr, "\"main\".\"orders\"");
    xf_buf_reset(&b);
    r.schema = NULL;
    f->ops->render_relation(&b, &r);
    assert_string_equal(b.ptr, "\"orders\"");
    xf_buf_release(&b);
    assert_string_equal(f->ops->type_name(XF_COL_INTEGER), "integer");
    assert_string_equal(f->ops->type_name(XF_COL_REAL), "real");
    assert_string_equal(f->ops->type_name(XF_COL_BOOLEAN), "boolean");
    assert_string_equal(f->ops->type_name(XF_COL_DATE), "text");
    assert_string_equal(f->ops->type_name(XF_COL_TIMESTAMP), "text");
    assert_string_equal(f->ops->type_name(XF_COL_TEXT), "text");

    /* casts through type_name keep the value (a NUMERIC name would keep only 2024) */
    char sql[256];
    snprintf(sql, sizeof sql,
             "select cast('2024-05-01 10:00:00' as %s), cast('2024-05-01' as %s), "
             "cast(null as %s)",
             f->ops->type_name(XF_COL_TIMESTAMP), f->ops->type_name(XF_COL_DATE),
             f->ops->type_name(XF_COL_TIMESTAMP));
    struct xf_result res = query_ok(f, NULL, sql);
    assert_true(xf_str_eqc(res.cells[0].u.s, "2024-05-01 10:00:00"));
    assert_true(xf_str_eqc(res.cells[1].u.s, "2024-05-01"));
    assert_int_equal(res.cells[2].t, XF_V_NONE);
}

static void test_replace_table(void **state)
{
    struct fx *f = *state;
    assert_int_equal(replace(f, "main", "orders", XF_REL_TABLE,
                             "select 1 as id, 'a' as status union all select 2, 'b';\n"),
                     0);
    assert_int_equal(kind(f, "main", "orders"), XF_REL_TABLE);
    assert_int_equal(count_rows(f, "\"main\".\"orders\""), 2);
    /* Built under its own name inside one transaction (SQLite's DDL is
     * transactional), without the schema-wide cost of ALTER TABLE RENAME. */
    const char *begin = strstr(f->executed.ptr, "BEGIN");
    const char *create = strstr(f->executed.ptr, "CREATE TABLE \"main\".\"orders\" AS\n"
                                                 "select 1 as id");
    const char *commit = strstr(f->executed.ptr, "COMMIT");
    assert_non_null(begin);
    assert_non_null(create);
    assert_non_null(commit);
    assert_true(begin < create && create < commit);
    assert_null(strstr(f->executed.ptr, "RENAME"));

    /* again, with other columns: the old table is replaced */
    assert_int_equal(
        replace(f, "main", "orders", XF_REL_TABLE, "select 10 as id, 'x' as status, 3.5 as amount"),
        0);
    struct xf_result r = query_ok(f, NULL, "select * from main.orders");
    assert_int_equal(r.nrows, 1);
    assert_int_equal(r.ncols, 3);
    assert_int_equal(r.cells[0].u.i, 10);
    assert_true(r.cells[2].u.f == 3.5);
    assert_int_equal(kind(f, "main", "orders__xform_tmp"), XF_REL_NONE);
    assert_non_null(strstr(f->executed.ptr, "DROP TABLE \"main\".\"orders\""));

    /* a view becomes a table */
    assert_int_equal(replace(f, "main", "v", XF_REL_VIEW, "select 1 as x"), 0);
    assert_int_equal(replace(f, "main", "v", XF_REL_TABLE, "select 2 as x"), 0);
    assert_int_equal(kind(f, "main", "v"), XF_REL_TABLE);
    assert_non_null(strstr(f->executed.ptr, "DROP VIEW \"main\".\"v\""));
}

static void seed_orders(struct fx *f)
{
    exec_ok(f, "create table main.numbers as with recursive n(i) as "
               "(select 1 union all select i + 1 from n where i < 1000) select i from n");
    assert_int_equal(replace(f, "main", "orders", XF_REL_TABLE,
                             "select i as id, 'ok' as status from main.numbers"),
                     0);
    assert_int_equal(count_rows(f, "main.orders"), 1000);
}

static void assert_orders_intact(struct fx *f)
{
    assert_int_equal(kind(f, "main", "orders"), XF_REL_TABLE);
    assert_int_equal(kind(f, "main", "orders__xform_tmp"), XF_REL_NONE);
    assert_int_equal(count_rows(f, "main.orders"), 1000);
    struct xf_result r = query_ok(f, NULL, "select status, sum(id) from main.orders group by 1");
    assert_int_equal(r.nrows, 1);
    assert_true(xf_str_eqc(r.cells[0].u.s, "ok"));
    assert_int_equal(r.cells[1].u.i, 500500);
}

static void test_replace_table_failure_keeps_old(void **state)
{
    struct fx *f = *state;
    seed_orders(f);

    /* fails at run time, half way through the rows */
    assert_true(replace(f, "main", "orders", XF_REL_TABLE,
                        "select i as id, case when i = 500 then abs(-9223372036854775808) "
                        "else 'new' end as status from main.numbers") < 0);
    assert_string_equal(f->err.ptr, "integer overflow");
    assert_non_null(strstr(f->executed.ptr, "ROLLBACK"));
    assert_orders_intact(f);

    /* fails at prepare: the position is within the model's SQL */
    assert_true(replace(f, "main", "orders", XF_REL_TABLE,
                        "select id,\n       missing_col\nfrom main.orders") < 0);
    assert_string_equal(f->err.ptr, "no such column: missing_col (line 2, column 8)\n"
                                    " 2 |        missing_col\n"
                                    "   |        ^~~~~~~~~~~");
    assert_orders_intact(f);

    /* a second statement is refused rather than run */
    assert_true(
        replace(f, "main", "orders", XF_REL_TABLE, "select 1 as id; drop table main.numbers") < 0);
    assert_non_null(strstr(f->err.ptr, "expected a single SQL statement"));
    assert_orders_intact(f);
    assert_int_equal(kind(f, "main", "numbers"), XF_REL_TABLE);

    /* the connection is usable and not left in a transaction */
    struct xf_sqlite_conn *sc = (struct xf_sqlite_conn *)f->conn;
    assert_int_equal(sqlite3_get_autocommit(sc->db), 1);
    exec_ok(f, "begin immediate; rollback");
}

static void test_replace_inside_caller_transaction(void **state)
{
    struct fx *f = *state;
    seed_orders(f);
    xf_buf_reset(&f->err);
    assert_int_equal(f->ops->begin(f->conn, &f->err), 0);
    assert_true(replace(f, "main", "orders", XF_REL_TABLE, "select nope from main.numbers") < 0);
    assert_non_null(strstr(f->executed.ptr, "SAVEPOINT"));
    assert_int_equal(replace(f, "main", "other", XF_REL_TABLE, "select 1 as x"), 0);
    xf_buf_reset(&f->err);
    assert_int_equal(f->ops->rollback(f->conn, &f->err), 0);
    /* the caller's rollback undoes the savepoint's work too */
    assert_int_equal(kind(f, "main", "other"), XF_REL_NONE);
    assert_orders_intact(f);
    xf_buf_reset(&f->err);
    assert_int_equal(f->ops->rollback(f->conn, &f->err), 0); /* nothing open: no error */
}

static void test_leftover_tmp_is_dropped(void **state)
{
    struct fx *f = *state;
    exec_ok(f, "create table main.orders__xform_tmp (junk text); "
               "create view main.items__xform_tmp as select 1 as junk");
    assert_int_equal(replace(f, "main", "orders", XF_REL_TABLE, "select 1 as id"), 0);
    assert_int_equal(replace(f, "main", "items", XF_REL_TABLE, "select 2 as id"), 0);
    assert_int_equal(kind(f, "main", "orders__xform_tmp"), XF_REL_NONE);
    assert_int_equal(kind(f, "main", "items__xform_tmp"), XF_REL_NONE);
    assert_int_equal(count_rows(f, "main.items"), 1);
}

static void test_replace_view(void **state)
{
    struct fx *f = *state;
    seed_orders(f);
    assert_int_equal(
        replace(f, "main", "big_orders", XF_REL_VIEW, "select id from main.orders where id > 900"),
        0);
    assert_int_equal(kind(f, "main", "big_orders"), XF_REL_VIEW);
    assert_int_equal(count_rows(f, "main.big_orders"), 100);
    assert_non_null(strstr(f->executed.ptr, "CREATE VIEW \"main\".\"big_orders\" AS\n"));

    /* columns change */
    assert_int_equal(replace(f, "main", "big_orders", XF_REL_VIEW,
                             "select id, status, id * 2 as twice from main.orders "
                             "where id > 990"),
                     0);
    struct xf_result r = query_ok(f, NULL, "select * from main.big_orders order by id");
    assert_int_equal(r.ncols, 3);
    assert_int_equal(r.nrows, 10);

    /* a view over a missing table or column fails, the old view stays */
    assert_true(replace(f, "main", "big_orders", XF_REL_VIEW, "select * from main.nope") < 0);
    assert_string_equal(f->err.ptr, "no such table: main.nope");
    assert_true(
        replace(f, "main", "big_orders", XF_REL_VIEW, "select id,\n  wrong from main.orders") < 0);
    assert_string_equal(f->err.ptr, "no such column: wrong");
    assert_int_equal(kind(f, "main", "big_orders"), XF_REL_VIEW);
    r = query_ok(f, NULL, "select * from main.big_orders");
    assert_int_equal(r.ncols, 3);
    assert_int_equal(r.nrows, 10);

    /* a table becomes a view */
    assert_int_equal(replace(f, "main", "orders2", XF_REL_TABLE, "select 1 as a"), 0);
    assert_int_equal(replace(f, "main", "orders2", XF_REL_VIEW, "select 2 as a"), 0);
    assert_int_equal(kind(f, "main", "orders2"), XF_REL_VIEW);
}

static void test_view_survives_table_replacement(void **state)
{
    struct fx *f = *state;
    seed_orders(f);
    assert_int_equal(replace(f, "main", "order_view", XF_REL_VIEW,
                             "select id, status from main.orders where id <= 10"),
                     0);
    assert_int_equal(replace(f, "main", "orders", XF_REL_TABLE,
                             "select i as id, 'v2' as status, i * 1.5 as amount "
                             "from main.numbers where i <= 20"),
                     0);
    assert_int_equal(kind(f, "main", "order_view"), XF_REL_VIEW);
    struct xf_result r = query_ok(f, NULL, "select status, count(*) from main.order_view");
    assert_true(xf_str_eqc(r.cells[0].u.s, "v2"));
    assert_int_equal(r.cells[1].u.i, 10);
    /* and again, now through a view chain */
    assert_int_equal(replace(f, "main", "view2", XF_REL_VIEW, "select * from main.order_view"), 0);
    assert_int_equal(replace(f, "main", "orders", XF_REL_TABLE,
                             "select i as id, 'v3' as status from main.numbers"),
                     0);
    r = query_ok(f, NULL, "select status, count(*) from main.view2");
    assert_true(xf_str_eqc(r.cells[0].u.s, "v3"));
    assert_int_equal(r.cells[1].u.i, 10);
}

static void test_failure_after_other_connection(void **state)
{
    /* a second connection reads the old table while a replacement fails */
    struct fx *f = *state;
    seed_orders(f);
    struct xf_conn *reader = NULL;
    xf_buf_reset(&f->err);
    assert_int_equal(f->ops->connect(&reader, &f->target, f->dir, &f->err), 0);
    struct xf_result r = query_ok(f, reader, "select count(*) from main.orders");
    assert_int_equal(r.cells[0].u.i, 1000);
    assert_true(replace(f, "main", "orders", XF_REL_TABLE, "select 1/0x as broken") < 0);
    r = query_ok(f, reader, "select count(*) from main.orders");
    assert_int_equal(r.cells[0].u.i, 1000);
    f->ops->disconnect(reader);
}

static struct xf_csv make_csv(struct xf_arena *a, size_t ncols, const char *const *header,
                              const enum xf_coltype *types, size_t nrows, const char *const *cells)
{
    struct xf_csv csv = {.ncols = ncols, .nrows = nrows};
    csv.header = XF_ANEWN(a, struct xf_str, ncols);
    csv.types = XF_ANEWN(a, enum xf_coltype, ncols);
    csv.cells = XF_ANEWN(a, struct xf_str, ncols * nrows + 1);
    csv.row_offsets = XF_ANEWN(a, size_t, nrows + 1);
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
        "Alice",
        "-2",
        "1e3",
        "False",
        "2024-02-29",
        "2024-02-29T23:59:59Z",
        "",
        NULL,
        NULL,
        NULL,
        NULL,
        NULL,
        NULL,
        "oops",
        "",
        "maybe",
        "n/a",
        "later",
        "0042",
    };
    struct xf_csv csv = make_csv(&f->arena, 6, header, types, 4, cells);
    struct xf_relation rel = {NULL, "main", "people"};
    xf_buf_reset(&f->err);
    assert_int_equal(f->ops->load_seed(f->conn, &rel, &csv, NULL, NULL, &f->executed, &f->err), 0);
    assert_non_null(strstr(f->executed.ptr,
                           "CREATE TABLE \"main\".\"people__xform_tmp\" (\"id\" integer, "
                           "\"price\" real, \"active\" boolean, \"day\" text, \"at\" text, "
                           "\"name\" text)"));
    struct xf_result r =
        query_ok(f, NULL,
                 "select id, typeof(id), price, active, day, at, name, typeof(name) "
                 "from main.people order by rowid");
    assert_int_equal(r.nrows, 4);
    struct xf_value *c = r.cells;
    assert_int_equal(c[0].u.i, 1);
    assert_true(xf_str_eqc(c[1].u.s, "integer"));
    assert_true(c[2].u.f == 2.5);
    assert_int_equal(c[3].u.i, 1);
    assert_true(xf_str_eqc(c[4].u.s, "2024-01-31"));
    assert_true(xf_str_eqc(c[5].u.s, "2024-01-31 10:00:00"));
    assert_true(xf_str_eqc(c[6].u.s, "Alice"));
    c += 8;
    assert_int_equal(c[0].u.i, -2);
    assert_true(c[2].u.f == 1000.0);
    assert_int_equal(c[3].t, XF_V_INT);
    assert_int_equal(c[3].u.i, 0);
    assert_true(xf_str_eqc(c[5].u.s, "2024-02-29T23:59:59Z"));
    assert_int_equal(c[6].t, XF_V_STR); /* a quoted empty text stays '' */
    assert_int_equal(c[6].u.s.len, 0);
    c += 8;
    for (int i = 0; i < 7; i++)
        if (i != 1)
            assert_int_equal(c[i].t, XF_V_NONE);
    c += 8;
    /* values that do not parse are kept as text */
    assert_true(xf_str_eqc(c[0].u.s, "oops"));
    assert_true(xf_str_eqc(c[1].u.s, "text"));
    assert_int_equal(c[2].t, XF_V_NONE); /* empty in a number column: NULL */
    assert_true(xf_str_eqc(c[3].u.s, "maybe"));
    assert_true(xf_str_eqc(c[6].u.s, "0042"));
    assert_true(xf_str_eqc(c[7].u.s, "text"));

    /* introspection sees the declared types */
    struct xf_column_info *cols;
    size_t n;
    xf_buf_reset(&f->err);
    assert_int_equal(f->ops->columns(f->conn, &rel, &f->arena, &cols, &n, &f->err), 0);
    assert_int_equal(n, 6);
    assert_string_equal(cols[2].name, "active");
    assert_string_equal(cols[2].data_type, "boolean");
    assert_int_equal(cols[5].position, 6);

    /* reload with declared types: all text */
    static const char *const given[] = {"varchar(10)", "text", NULL, "text", "text", "integer"};
    xf_buf_reset(&f->executed);
    assert_int_equal(f->ops->load_seed(f->conn, &rel, &csv, given, NULL, &f->executed, &f->err), 0);
    r = query_ok(f, NULL,
                 "select typeof(id), typeof(price), typeof(active), typeof(name) "
                 "from main.people order by rowid limit 1");
    assert_true(xf_str_eqc(r.cells[0].u.s, "text"));
    assert_true(xf_str_eqc(r.cells[1].u.s, "text"));
    assert_true(xf_str_eqc(r.cells[2].u.s, "integer"));
    assert_true(xf_str_eqc(r.cells[3].u.s, "text")); /* 'Alice' in an integer column */
    assert_int_equal(count_rows(f, "main.people"), 4);
}

static void test_seed_failure_keeps_old(void **state)
{
    struct fx *f = *state;
    static const char *const header[] = {"id"};
    static const enum xf_coltype types[] = {XF_COL_INTEGER};
    static const char *const cells[] = {"1", "2", "3"};
    struct xf_csv csv = make_csv(&f->arena, 1, header, types, 3, cells);
    struct xf_relation rel = {NULL, "main", "s"};
    xf_buf_reset(&f->err);
    assert_int_equal(f->ops->load_seed(f->conn, &rel, &csv, NULL, NULL, NULL, &f->err), 0);
    /* a duplicate column name makes the new table fail */
    static const char *const header2[] = {"a", "a"};
    static const enum xf_coltype types2[] = {XF_COL_TEXT, XF_COL_TEXT};
    static const char *const cells2[] = {"x", "y"};
    struct xf_csv bad = make_csv(&f->arena, 2, header2, types2, 1, cells2);
    assert_true(f->ops->load_seed(f->conn, &rel, &bad, NULL, NULL, NULL, &f->err) < 0);
    assert_string_equal(f->err.ptr, "duplicate column name: a");
    assert_int_equal(count_rows(f, "main.s"), 3);
    assert_int_equal(kind(f, "main", "s__xform_tmp"), XF_REL_NONE);
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
    /* under valgrind (~50x slower) a tenth is enough to check the loader */
    const size_t ROWS = RUNNING_ON_VALGRIND ? 10000 : 100000;
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
        c[4] = xf_str_c(xf_arena_printf(&f->arena, "label number %zu", i));
    }
    struct xf_relation rel = {NULL, "main", "big_seed"};
    double t0 = now_s();
    xf_buf_reset(&f->err);
    assert_int_equal(f->ops->load_seed(f->conn, &rel, &csv, NULL, NULL, NULL, &f->err), 0);
    double dt = now_s() - t0;
    print_message("seed of %zu rows x 5 columns loaded in %.3f s\n", ROWS, dt);
    assert_int_equal(count_rows(f, "main.big_seed"), ROWS);
    struct xf_result r = query_ok(f, NULL,
                                  "select sum(id), sum(flag), max(amount) "
                                  "from main.big_seed");
    assert_int_equal(r.cells[0].u.i, (int64_t)ROWS * (ROWS + 1) / 2);
    assert_int_equal(r.cells[1].u.i, ROWS / 2);
    assert_true(r.cells[2].u.f == (double)(ROWS - 1) + 0.25);
    /* about 0.2 s on a laptop, 0.4 s under ASan */
    assert_true(dt < (RUNNING_ON_VALGRIND ? 30.0 : 2.0));
}

static void test_schemas_attach(void **state)
{
    struct fx *f = *state;
    struct xf_conn *early = NULL; /* connected before the schema exists */
    xf_buf_reset(&f->err);
    assert_int_equal(f->ops->connect(&early, &f->target, f->dir, &f->err), 0);

    assert_int_equal(kind(f, "staging", "stg"), XF_REL_NONE);
    char *staging_path = xf_path_join(&f->arena, f->dir, "staging.db");
    assert_false(xf_is_file(staging_path)); /* looking does not create */

    xf_buf_reset(&f->err);
    assert_int_equal(f->ops->ensure_schema(f->conn, "staging", &f->err), 0);
    assert_int_equal(f->ops->ensure_schema(f->conn, "staging", &f->err), 0);
    assert_true(xf_is_file(staging_path));
    assert_int_equal(replace(f, "staging", "stg", XF_REL_TABLE, "select 7 as x"), 0);
    assert_int_equal(replace(f, "staging", "stg_v", XF_REL_VIEW, "select x + 1 as y from stg"), 0);
    assert_int_equal(kind(f, "staging", "stg"), XF_REL_TABLE);
    assert_int_equal(kind(f, "main", "stg"), XF_REL_NONE);

    /* a table in main can read staging */
    assert_int_equal(replace(f, "main", "fct", XF_REL_TABLE, "select y from \"staging\".\"stg_v\""),
                     0);
    assert_int_equal(count_rows(f, "main.fct"), 1);

    /* a view cannot (sqlite's rule): it is built as a table, and the caller is told (1) */
    assert_int_equal(replace(f, "main", "fct_v", XF_REL_VIEW, "select x from \"staging\".\"stg\""),
                     1);
    assert_int_equal(kind(f, "main", "fct_v"), XF_REL_TABLE);
    assert_int_equal(count_rows(f, "main.fct_v"), 1);
    /* and a view again once it reads its own schema only */
    assert_int_equal(replace(f, "main", "fct_v", XF_REL_VIEW, "select y from \"main\".\"fct\""), 0);
    assert_int_equal(kind(f, "main", "fct_v"), XF_REL_VIEW);

    /* the early connection attaches the new file when a statement needs it */
    struct xf_result r = query_ok(f, early, "select x from \"staging\".\"stg\"");
    assert_int_equal(r.cells[0].u.i, 7);
    f->ops->disconnect(early);

    /* a new connection re-attaches it on connect */
    struct xf_conn *late = NULL;
    xf_buf_reset(&f->err);
    assert_int_equal(f->ops->connect(&late, &f->target, f->dir, &f->err), 0);
    r = query_ok(f, late, "select count(*) from staging.sqlite_master");
    assert_int_equal(r.cells[0].u.i, 2);
    r = query_ok(f, late, "pragma staging.journal_mode");
    assert_true(xf_str_eqc(r.cells[0].u.s, "wal"));
    f->ops->disconnect(late);

    /* schema names that cannot be files */
    xf_buf_reset(&f->err);
    assert_true(f->ops->ensure_schema(f->conn, "../evil", &f->err) < 0);
    assert_non_null(strstr(f->err.ptr, "invalid schema name '../evil': " XF_SCHEMA_NAME_RULE));

    /* attaching inside a transaction is refused with a clear message */
    xf_buf_reset(&f->err);
    assert_int_equal(f->ops->begin(f->conn, &f->err), 0);
    assert_true(f->ops->ensure_schema(f->conn, "marts", &f->err) < 0);
    assert_non_null(strstr(f->err.ptr, "inside a transaction"));
    assert_int_equal(f->ops->rollback(f->conn, &f->err), 0);
}

static void test_non_main_target_schema(void **state)
{
    struct fx *f = *state;
    struct xf_target t = f->target;
    t.schema = "analytics";
    struct xf_conn *c = NULL;
    xf_buf_reset(&f->err);
    assert_int_equal(f->ops->connect(&c, &t, f->dir, &f->err), 0);
    struct xf_relation rel = {NULL, "analytics", "orders"};
    xf_buf_reset(&f->err);
    assert_int_equal(
        f->ops->replace_relation(c, &rel, XF_REL_TABLE, "select 1 as id", NULL, NULL, NULL, &f->err), 0);
    struct xf_relation unq = {NULL, NULL, "orders"}; /* no schema: the target's */
    enum xf_relkind k;
    assert_int_equal(f->ops->relation_kind(c, &unq, &k, &f->err), 0);
    assert_int_equal(k, XF_REL_TABLE);
    struct xf_result r = query_ok(f, c, "select count(*) from orders");
    assert_int_equal(r.cells[0].u.i, 1);
    f->ops->disconnect(c);
    /* the table lives in the target's file, seen as "main" by a main-schema target */
    assert_int_equal(kind(f, "main", "orders"), XF_REL_TABLE);
    assert_false(xf_is_file(xf_path_join(&f->arena, f->dir, "analytics.db")));
}

static void test_introspection(void **state)
{
    struct fx *f = *state;
    assert_int_equal(
        replace(f, "main", "b_table", XF_REL_TABLE, "select cast(1 as integer) as id, 'x' as name"),
        0);
    assert_int_equal(replace(f, "main", "a_view", XF_REL_VIEW, "select id from b_table"), 0);
    exec_ok(f, "create table main.gen (a integer, b integer generated always as (a * 2))");
    struct xf_relation *rels;
    enum xf_relkind *kinds;
    size_t n;
    xf_buf_reset(&f->err);
    assert_int_equal(f->ops->list_relations(f->conn, "main", &f->arena, &rels, &kinds, &n, &f->err),
                     0);
    assert_int_equal(n, 3);
    assert_string_equal(rels[0].identifier, "a_view");
    assert_int_equal(kinds[0], XF_REL_VIEW);
    assert_string_equal(rels[0].schema, "main");
    assert_string_equal(rels[1].identifier, "b_table");
    assert_int_equal(kinds[1], XF_REL_TABLE);
    assert_string_equal(rels[2].identifier, "gen");

    /* an absent schema has no relations and is not created */
    assert_int_equal(
        f->ops->list_relations(f->conn, "nowhere", &f->arena, &rels, &kinds, &n, &f->err), 0);
    assert_int_equal(n, 0);
    assert_false(xf_is_file(xf_path_join(&f->arena, f->dir, "nowhere.db")));

    struct xf_column_info *cols;
    struct xf_relation g = {NULL, "main", "gen"};
    assert_int_equal(f->ops->columns(f->conn, &g, &f->arena, &cols, &n, &f->err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(cols[1].name, "b");
    assert_string_equal(cols[1].data_type, "INTEGER");
    assert_int_equal(cols[1].position, 2);
    struct xf_relation v = {NULL, "main", "A_VIEW"}; /* sqlite names ignore case */
    assert_int_equal(f->ops->columns(f->conn, &v, &f->arena, &cols, &n, &f->err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(cols[0].name, "id");
    assert_int_equal(kind(f, "main", "A_VIEW"), XF_REL_VIEW);
    struct xf_relation missing = {NULL, "main", "missing"};
    assert_int_equal(f->ops->columns(f->conn, &missing, &f->arena, &cols, &n, &f->err), 0);
    assert_int_equal(n, 0);

    xf_buf_reset(&f->err);
    struct xf_relation drop = {NULL, "main", "a_view"};
    assert_int_equal(f->ops->drop_relation(f->conn, &drop, &f->err), 0);
    assert_int_equal(f->ops->drop_relation(f->conn, &drop, &f->err), 0);
    drop.identifier = "b_table";
    assert_int_equal(f->ops->drop_relation(f->conn, &drop, &f->err), 0);
    assert_int_equal(kind(f, "main", "a_view"), XF_REL_NONE);
    assert_int_equal(kind(f, "main", "b_table"), XF_REL_NONE);
}

static void test_md5(void **state)
{
    struct fx *f = *state;
    struct xf_result r = query_ok(f, NULL, "select md5('abc'), md5(''), md5(null), md5(12)");
    assert_true(xf_str_eqc(r.cells[0].u.s, "900150983cd24fb0d6963f7d28e17f72"));
    assert_true(xf_str_eqc(r.cells[1].u.s, "d41d8cd98f00b204e9800998ecf8427e"));
    assert_int_equal(r.cells[2].t, XF_V_NONE);
    assert_true(xf_str_eqc(r.cells[3].u.s, "c20ad4d76fe97759aa27a0c99bff6710"));
}

/* PostgreSQL's split_part, which dbt.split_part renders on every adapter. */
static void test_split_part(void **state)
{
    struct fx *f = *state;
    struct xf_result r = query_ok(
        f, NULL,
        "select split_part('a-b-c', '-', 2), split_part('a-b-c', '-', -1), "
        "split_part('a-b-c', '-', 5), split_part('abc', '', 1), split_part('a--b', '-', 2), "
        "split_part('a::b::c', '::', 3), split_part(null, '-', 1), split_part('a-b', '-', -3)");
    const char *want[] = {"b", "c", "", "abc", "", "c"};
    for (size_t i = 0; i < 6; i++)
        assert_true(xf_str_eqc(r.cells[i].u.s, want[i]));
    assert_int_equal(r.cells[6].t, XF_V_NONE);
    assert_true(xf_str_eqc(r.cells[7].u.s, ""));
    struct xf_result bad;
    struct xf_arena a;
    xf_arena_init(&a);
    xf_buf_reset(&f->err);
    assert_int_equal(f->ops->query(f->conn, "select split_part('a-b', '-', 0)", &a, &bad, &f->err),
                     -1);
    assert_non_null(strstr(f->err.ptr, "must not be zero"));
    xf_arena_release(&a);
}

/*
 * least/greatest as PostgreSQL's: NULLs skipped (SQLite's min/max of several
 * values are NULL when one is), numbers by value, numbers before text, text
 * bytewise, NULL only when every argument is.
 */
static void test_least_greatest(void **state)
{
    struct fx *f = *state;
    struct xf_result r = query_ok(
        f, NULL,
        "select least(3, null, 1), greatest(3, null, 1), least(2, 1.5), greatest(2, 2.5), "
        "least('b', 'a', 'ab'), greatest('b', 'a', 'ab'), least(10, '9'), greatest('10', '9'), "
        "least(null, null), greatest(7), least(9223372036854775807, 9223372036854775806), "
        "typeof(greatest(x'01', 'z', 5))");
    assert_int_equal(r.ncols, 12);
    assert_int_equal(r.cells[0].t, XF_V_INT);
    assert_int_equal(r.cells[0].u.i, 1);
    assert_int_equal(r.cells[1].u.i, 3);
    assert_int_equal(r.cells[2].t, XF_V_FLOAT);
    assert_true(r.cells[2].u.f == 1.5);
    assert_true(r.cells[3].u.f == 2.5);
    assert_true(xf_str_eqc(r.cells[4].u.s, "a"));
    assert_true(xf_str_eqc(r.cells[5].u.s, "b"));
    assert_int_equal(r.cells[6].t, XF_V_INT); /* a number sorts before any text */
    assert_int_equal(r.cells[6].u.i, 10);
    assert_true(xf_str_eqc(r.cells[7].u.s, "9")); /* text compares as text */
    assert_int_equal(r.cells[8].t, XF_V_NONE);
    assert_int_equal(r.cells[9].u.i, 7);
    assert_true(r.cells[10].u.i == 9223372036854775806LL); /* no rounding through double */
    assert_true(xf_str_eqc(r.cells[11].u.s, "blob"));      /* a blob sorts last */
}

/* What the SQLite forms of the global macros rely on: json1 for arrays,
 * group_concat for listagg, min/max for any_value and bool_or. */
static void test_builtin_functions_macros_use(void **state)
{
    struct fx *f = *state;
    struct xf_result r =
        query_ok(f, NULL,
                 "select json_insert(json_array(1, 2), '$[#]', 3), "
                 "(select group_concat(v, '|') from (select 'a' as v union all select 'b')), "
                 "datetime('2016-01-31', 'start of month', '+1 months', '+00:00:00')");
    assert_true(xf_str_eqc(r.cells[0].u.s, "[1,2,3]"));
    assert_true(xf_str_eqc(r.cells[1].u.s, "a|b"));
    assert_true(xf_str_eqc(r.cells[2].u.s, "2016-02-01 00:00:00"));
}

struct cancel_arg {
    const struct xf_adapter_ops *ops;
    struct xf_conn *conn;
};

static void *cancel_later(void *p)
{
    struct cancel_arg *a = p;
    usleep(200 * 1000);
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
    /* would run for a very long time */
    int rc = replace(f, "main", "orders", XF_REL_TABLE,
                     "with recursive n(i) as (select 1 union all select i + 1 from n) "
                     "select i as id, 'x' as status from n");
    pthread_join(th, NULL);
    assert_true(rc < 0);
    assert_string_equal(f->err.ptr, "interrupted");
    assert_true(now_s() - t0 < 10.0);
    assert_orders_intact(f);

    /* a cancel that arrives between statements stops the next one, once */
    f->ops->cancel(f->conn);
    xf_buf_reset(&f->err);
    assert_true(f->ops->exec(f->conn, "select 1", &f->err) < 0);
    assert_string_equal(f->err.ptr, "interrupted");
    exec_ok(f, "select 1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test_setup_teardown(test_connect_and_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connect_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quote_render_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_table_failure_keeps_old, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_inside_caller_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leftover_tmp_is_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_view, setup, teardown),
        cmocka_unit_test_setup_teardown(test_view_survives_table_replacement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_after_other_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seed_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seed_failure_keeps_old, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seed_100k, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schemas_attach, setup, teardown),
        cmocka_unit_test_setup_teardown(test_non_main_target_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_introspection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_md5, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split_part, setup, teardown),
        cmocka_unit_test_setup_teardown(test_least_greatest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_builtin_functions_macros_use, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
