// SPDX-License-Identifier: MIT
/*
 * The embedded SQLite adapter: one database file per schema, WAL mode,
 * the SQL functions PostgreSQL has and dbt macros emit (md5, split_part,
 * least, greatest), atomic table/view replacement and fast seed
 * loading with one prepared INSERT. See sqlite.h for the schema layout.
 *
 * Decisions a dbt-sqlite user will meet:
 * - The default schema is "main" (the target's file). When the profile
 *   names another schema, say "analytics", SQL still says
 *   `"analytics"."orders"`: render_relation has no connection to map
 *   names with, so instead the connection's own main database is an
 *   empty in-memory one and the target's file is ATTACHed as "analytics".
 *   Unqualified names still find tables there (SQLite searches every
 *   attached database), but unqualified CREATEs would go to the memory
 *   database, so models must always be built with their schema.
 * - Types (type_name, seeds): integer, real, text; booleans are `boolean`
 *   columns holding 1/0 (what Python's sqlite3 stores for True/False, and
 *   what SQLite's TRUE/FALSE keywords are). Dates and timestamps are
 *   `text` holding the ISO 8601 text of the CSV, which sorts, compares
 *   and feeds date() / datetime() correctly: a name like `timestamp` has
 *   NUMERIC affinity, and `cast('2024-05-01 10:00:00' as timestamp)` is
 *   2024 in SQLite, so the engine's casts through type_name would lose
 *   everything but the year.
 * - SQLite views cannot read another database file, so a view in one
 *   schema cannot select from another schema: such a view is built as a
 *   table instead (replace_relation returns 1 and the run says so), so
 *   the usual layout of staging views over seeds in a `raw` schema
 *   builds on the embedded default.
 */
#include "adapters/sqlite.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "adapters/internal.h"
#include "util/hash.h"
#include "util/path.h"
#include "util/vec.h"

#define BUSY_TIMEOUT_MS 10000

static struct xf_sqlite_conn *C(struct xf_conn *c)
{
    return (struct xf_sqlite_conn *)c;
}

/* ---- statements ---------------------------------------------------- */

/* How run() reports error positions and what it accepts. */
struct run_opts {
    const char *loc_text; /* positions are given in this text ... */
    size_t loc_off;       /* ... which starts at this offset of the SQL run */
    bool single;          /* exactly one statement */
    bool no_cancel;       /* cleanup (rollback): never refused by a pending cancel */
};

static bool is_reserved_schema(const char *s)
{
    return strcasecmp(s, "main") == 0 || strcasecmp(s, "temp") == 0;
}

static bool is_attached(struct xf_sqlite_conn *c, const char *schema)
{
    return sqlite3_db_filename(c->db, schema) != NULL;
}

/* A schema name becomes a file name: the shared rule keeps it one plain path component. */
static bool schema_file_ok(const char *s)
{
    return xf_schema_name_ok(s);
}

static char *schema_path(struct xf_sqlite_conn *c, const char *schema)
{
    const struct xf_target *t = c->base.target;
    for (size_t i = 0; t && i < t->nforeign; i++)
        if (strcasecmp(schema, t->foreign_schemas[i]) == 0)
            return xf_strdup(t->foreign_files[i]);
    if (c->main_attached && strcasecmp(schema, c->main_schema) == 0)
        return xf_strdup(c->main_path);
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_addf(&b, "%s/%s.db", c->dir, schema);
    return xf_buf_detach(&b, NULL);
}

static void append_db_error(struct xf_sqlite_conn *c, struct xf_buf *err, const char *sql,
                            size_t stmt_off, const struct run_opts *o)
{
    const char *msg = sqlite3_errmsg(c->db);
    xf_buf_adds(err, msg);
    int off = sqlite3_error_offset(c->db);
    if (off < 0 && sql && !strncmp(msg, "near \"", 6)) {
        /* no offset from this SQLite: find the token of 'near "x": syntax error' */
        const char *q = strstr(msg + 6, "\":");
        if (q && q > msg + 6) {
            char tok[128];
            snprintf(tok, sizeof tok, "%.*s", (int)(q - msg - 6), msg + 6);
            const char *at = strstr(sql + stmt_off, tok);
            if (at)
                off = (int)(at - (sql + stmt_off));
        }
    }
    if (off < 0 || !sql)
        return;
    size_t abs = stmt_off + (size_t)off;
    if (o && o->loc_text) {
        if (abs >= o->loc_off) {
            xf_adapter_locate(err, o->loc_text, abs - o->loc_off);
            xf_adapter_excerpt(err, o->loc_text, abs - o->loc_off);
        }
    } else {
        xf_adapter_locate(err, sql, abs);
        xf_adapter_excerpt(err, sql, abs);
    }
}

static int attach(struct xf_sqlite_conn *c, const char *schema, const char *path,
                  struct xf_buf *err);

/*
 * After "no such table: s.t" or "unknown database s", attaches `s` when
 * its file exists (another connection may have created it since we
 * connected). Returns 1 when something was attached.
 */
static int attach_from_error(struct xf_sqlite_conn *c, const char *msg)
{
    const char *rest = NULL;
    if (strncmp(msg, "no such table: ", 15) == 0)
        rest = msg + 15;
    else if (strncmp(msg, "unknown database ", 17) == 0)
        rest = msg + 17;
    if (!rest || !sqlite3_get_autocommit(c->db))
        return 0;
    char *copy = xf_strdup(rest);
    int done = 0;
    for (char *dot = copy; !done && dot;) {
        char *next = strchr(dot, '.');
        if (next)
            *next = 0;
        if (!is_attached(c, copy) && schema_file_ok(copy) && !is_reserved_schema(copy)) {
            char *path = schema_path(c, copy);
            struct xf_buf ignored = XF_BUF_INIT;
            if (xf_is_file(path) && attach(c, copy, path, &ignored) == 0)
                done = 1;
            xf_buf_release(&ignored);
            free(path);
        }
        if (next)
            *next = '.';
        dot = next ? next + 1 : NULL;
    }
    free(copy);
    return done;
}

static const char *skip_space_and_comments(const char *p)
{
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == ';')
            p++;
        if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            p = e ? e + 2 : p + strlen(p);
        } else {
            return p;
        }
    }
}

static bool take_cancel(struct xf_sqlite_conn *c)
{
    return atomic_exchange(&c->cancelled, 0) != 0;
}

static int collect_row(sqlite3_stmt *st, struct xf_arena *a, struct xf_result *res, size_t *cap)
{
    size_t nc = res->ncols;
    if (res->nrows == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        res->cells = xf_arena_grow(a, res->cells, *cap * nc * sizeof *res->cells,
                                   ncap * nc * sizeof *res->cells);
        *cap = ncap;
    }
    struct xf_value *row = res->cells + res->nrows * nc;
    for (size_t i = 0; i < nc; i++) {
        switch (sqlite3_column_type(st, (int)i)) {
        case SQLITE_INTEGER:
            row[i] = xf_v_int(sqlite3_column_int64(st, (int)i));
            break;
        case SQLITE_FLOAT:
            row[i] = xf_v_float(sqlite3_column_double(st, (int)i));
            break;
        case SQLITE_NULL:
            row[i] = xf_v_none();
            break;
        default: {
            const char *t = (const char *)sqlite3_column_text(st, (int)i);
            int n = sqlite3_column_bytes(st, (int)i);
            row[i] = xf_v_str(xf_str_n(xf_arena_strndup(a, t ? t : "", (size_t)n), (size_t)n));
        }
        }
    }
    res->nrows++;
    return 0;
}

static void start_result(sqlite3_stmt *st, struct xf_arena *a, struct xf_result *res)
{
    size_t nc = (size_t)sqlite3_column_count(st);
    memset(res, 0, sizeof *res);
    res->ncols = nc;
    res->colnames = XF_ANEWN(a, const char *, nc ? nc : 1);
    res->coltypes = XF_ANEWN(a, const char *, nc ? nc : 1);
    for (size_t i = 0; i < nc; i++) {
        const char *n = sqlite3_column_name(st, (int)i);
        const char *t = sqlite3_column_decltype(st, (int)i);
        res->colnames[i] = xf_arena_strdup(a, n ? n : "");
        res->coltypes[i] = xf_arena_strdup(a, t ? t : "");
    }
}

/*
 * Runs every statement of `sql`. With `res`, the rows of the last
 * statement that returns columns are collected into it (in `a`).
 */
static int run(struct xf_sqlite_conn *c, const char *sql, const struct run_opts *o,
               struct xf_arena *a, struct xf_result *res, struct xf_buf *err)
{
    static const struct run_opts defaults = {0};
    if (!o)
        o = &defaults;
    const char *p = sql;
    int count = 0;
    if (res)
        memset(res, 0, sizeof *res);
    for (;;) {
        p = skip_space_and_comments(p);
        if (!*p)
            break;
        if (o->single && count == 1) {
            xf_buf_adds(err, "expected a single SQL statement, found more after the first");
            if (o->loc_text)
                xf_adapter_locate(err, o->loc_text, (size_t)(p - sql) - o->loc_off);
            xf_buf_adds(err, ": remove the extra statement or the ';' before it");
            return -1;
        }
        if (!o->no_cancel && take_cancel(c)) {
            xf_buf_adds(err, "interrupted");
            return -1;
        }
        sqlite3_stmt *st = NULL;
        const char *tail = NULL;
        int rc = sqlite3_prepare_v2(c->db, p, -1, &st, &tail);
        if (rc != SQLITE_OK && attach_from_error(c, sqlite3_errmsg(c->db)))
            rc = sqlite3_prepare_v2(c->db, p, -1, &st, &tail);
        if (rc != SQLITE_OK) {
            append_db_error(c, err, sql, (size_t)(p - sql), o);
            return -1;
        }
        if (!st) { /* only a comment */
            p = tail;
            continue;
        }
        count++;
        bool collect = res && sqlite3_column_count(st) > 0;
        size_t cap = 0;
        if (collect)
            start_result(st, a, res);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            if (collect)
                collect_row(st, a, res, &cap);
        if (rc != SQLITE_DONE) {
            if (rc == SQLITE_INTERRUPT)
                take_cancel(c);
            append_db_error(c, err, sql, (size_t)(p - sql), o);
            sqlite3_finalize(st);
            return -1;
        }
        sqlite3_finalize(st);
        p = tail;
    }
    return 0;
}

/* Runs a statement and records it in `executed`. */
static int step_sql(struct xf_sqlite_conn *c, const char *sql, const struct run_opts *o,
                    struct xf_buf *executed, struct xf_buf *err)
{
    if (executed) {
        xf_buf_adds(executed, sql);
        xf_buf_adds(executed, ";\n");
    }
    return run(c, sql, o, NULL, NULL, err);
}

/*
 * Switches one database file of the connection to the target's journal
 * mode (WAL unless the profile says 'delete'; the mode is stored in the
 * file, so later openers keep it). In WAL mode a commit needs no fsync
 * (synchronous=NORMAL): a power cut can lose the last commits but never
 * tears one, and a killed process loses nothing. A file that stays out
 * of WAL (":memory:") clears c->wal: no read connections then.
 */
static int set_journal(struct xf_sqlite_conn *c, const char *schema, const char *path,
                       struct xf_buf *err)
{
    const char *want = c->base.target->journal_mode ? c->base.target->journal_mode : "wal";
    bool wal = strcasecmp(want, "wal") == 0;
    struct xf_buf sql = XF_BUF_INIT;
    xf_buf_adds(&sql, "PRAGMA ");
    xf_adapter_quote_dq(&sql, schema);
    xf_buf_addf(&sql, ".journal_mode=%s", wal ? "WAL" : "DELETE");
    struct xf_buf e = XF_BUF_INIT;
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_result res;
    const struct run_opts o = {.no_cancel = true};
    int ret = run(c, sql.ptr, &o, &a, &res, &e);
    if (ret < 0) {
        xf_buf_addf(err, "could not switch '%s' to %s mode: %s", path,
                    wal ? "WAL" : "rollback journal", e.ptr);
    } else {
        bool is_wal = res.nrows == 1 && res.ncols == 1 && res.cells[0].t == XF_V_STR &&
                      strcasecmp(res.cells[0].u.s.p, "wal") == 0;
        if (!is_wal)
            c->wal = false;
        if (is_wal) {
            xf_buf_reset(&sql);
            xf_buf_adds(&sql, "PRAGMA ");
            xf_adapter_quote_dq(&sql, schema);
            xf_buf_adds(&sql, ".synchronous=NORMAL");
            ret = run(c, sql.ptr, &o, NULL, NULL, &e);
            if (ret < 0)
                xf_buf_addf(err, "could not set up '%s': %s", path, e.ptr);
        }
    }
    xf_arena_release(&a);
    xf_buf_release(&e);
    xf_buf_release(&sql);
    return ret;
}

static int attach(struct xf_sqlite_conn *c, const char *schema, const char *path,
                  struct xf_buf *err)
{
    if (!sqlite3_get_autocommit(c->db)) {
        xf_buf_addf(err,
                    "cannot attach the database of schema '%s' inside a transaction: "
                    "create the schema before the transaction begins",
                    schema);
        return -1;
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->db, "ATTACH DATABASE ?1 AS ?2", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, schema, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_OK && rc != SQLITE_DONE) {
        xf_buf_addf(err, "could not attach '%s' as schema '%s': %s", path, schema,
                    sqlite3_errmsg(c->db));
        if (rc == SQLITE_ERROR && strstr(sqlite3_errmsg(c->db), "too many attached"))
            xf_buf_adds(err, " (sqlite allows 10 schemas per database: use fewer schemas)");
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return set_journal(c, schema, path, err);
}

/*
 * Makes `schema` usable: attaches its file when it exists, or (with
 * `create`) creates it. Returns 0 when usable, 1 when absent (and not
 * created), <0 on error.
 */
static int use_schema(struct xf_sqlite_conn *c, const char *schema, bool create, struct xf_buf *err)
{
    if (is_attached(c, schema))
        return 0;
    if (strcasecmp(schema, "main") == 0) {
        /* main_attached: "main" is the in-memory database, not a schema of the target */
        xf_buf_addf(err,
                    "schema 'main' is not available: the target's schema is '%s' "
                    "(its file is '%s')",
                    c->main_schema, c->main_path);
        return -1;
    }
    if (!schema_file_ok(schema)) {
        xf_buf_addf(err, "invalid schema name '%s': " XF_SCHEMA_NAME_RULE, schema);
        return -1;
    }
    char *path = schema_path(c, schema);
    int ret;
    if (!create && !xf_is_file(path))
        ret = 1;
    else
        ret = attach(c, schema, path, err);
    free(path);
    return ret;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool looks_like_sqlite(const char *path, const struct stat *sb)
{
    if (sb->st_size == 0)
        return true;
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char head[16];
    bool ok = fread(head, 1, sizeof head, f) == sizeof head &&
              memcmp(head, "SQLite format 3", sizeof head) == 0;
    fclose(f);
    return ok;
}

/*
 * Re-attaches the schemas of earlier runs: every `<schema>.db` SQLite file
 * beside the main file, in name order, while SQLite's limit allows.
 */
static void attach_present(struct xf_sqlite_conn *c)
{
    DIR *d = opendir(c->dir);
    if (!d)
        return;
    struct stat main_sb;
    bool have_main = stat(c->main_path, &main_sb) == 0;
    XF_VEC(char *) found = {0};
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n <= 3 || e->d_name[0] == '.' || strcmp(e->d_name + n - 3, ".db") != 0)
            continue;
        char *schema = xf_strndup(e->d_name, n - 3);
        char *path = schema_path(c, schema);
        struct stat sb;
        bool ok = !is_reserved_schema(schema) && schema_file_ok(schema) &&
                  strcasecmp(schema, c->main_schema) != 0 && stat(path, &sb) == 0 &&
                  S_ISREG(sb.st_mode) &&
                  !(have_main && sb.st_dev == main_sb.st_dev && sb.st_ino == main_sb.st_ino) &&
                  looks_like_sqlite(path, &sb);
        free(path);
        if (ok)
            xf_vec_push(&found, schema);
        else
            free(schema);
    }
    closedir(d);
    if (found.n)
        qsort(found.v, found.n, sizeof *found.v, cmp_str);
    int limit = sqlite3_limit(c->db, SQLITE_LIMIT_ATTACHED, -1);
    int used = c->main_attached ? 1 : 0;
    for (size_t i = 0; i < found.n; i++) {
        /* keep one slot free for a schema created during the run */
        if (used < limit - 1 && !is_attached(c, found.v[i])) {
            struct xf_buf ignored = XF_BUF_INIT;
            char *path = schema_path(c, found.v[i]);
            if (attach(c, found.v[i], path, &ignored) == 0)
                used++;
            free(path);
            xf_buf_release(&ignored);
        }
        free(found.v[i]);
    }
    xf_vec_release(&found);
}

/* ---- SQL functions ------------------------------------------------- */

static void fn_md5(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    const unsigned char *t = sqlite3_value_text(argv[0]);
    int n = sqlite3_value_bytes(argv[0]);
    char hex[33];
    xf_md5_hex(hex, t ? (const char *)t : "", (size_t)n);
    sqlite3_result_text(ctx, hex, 32, SQLITE_TRANSIENT);
}

/*
 * split_part(text, delimiter, n), as PostgreSQL's (dbt.split_part renders
 * it on every adapter): the n-th field, 1-based; negative n counts from the
 * end; past the last field ''; an empty delimiter makes the whole text the
 * only field; n = 0 is an error.
 */
static void fn_split_part(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    for (int i = 0; i < 3; i++) {
        if (sqlite3_value_type(argv[i]) == SQLITE_NULL) {
            sqlite3_result_null(ctx);
            return;
        }
    }
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    size_t sn = (size_t)sqlite3_value_bytes(argv[0]);
    const char *d = (const char *)sqlite3_value_text(argv[1]);
    size_t dn = (size_t)sqlite3_value_bytes(argv[1]);
    sqlite3_int64 k = sqlite3_value_int64(argv[2]);
    if (k == 0) {
        sqlite3_result_error(ctx, "split_part: field position must not be zero", -1);
        return;
    }
    if (!s || !d) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_int64 fields = 1;
    for (size_t i = 0; dn && i + dn <= sn;) {
        if (!memcmp(s + i, d, dn)) {
            fields++;
            i += dn;
        } else {
            i++;
        }
    }
    sqlite3_int64 want = k > 0 ? k : fields + k + 1; /* 1-based */
    if (want < 1 || want > fields) {
        sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
        return;
    }
    size_t start = 0, i = 0;
    for (sqlite3_int64 f = 1; f < want; f++) {
        while (memcmp(s + i, d, dn))
            i++;
        i += dn;
        start = i;
    }
    size_t end = start;
    while (end < sn && !(dn && end + dn <= sn && !memcmp(s + end, d, dn)))
        end++;
    sqlite3_result_text(ctx, s + start, (int)(end - start), SQLITE_TRANSIENT);
}

/*
 * Orders two non-NULL values as SQLite's ORDER BY does with the BINARY
 * collation: numbers (by value) before text (bytewise) before blobs.
 */
static int value_cmp(sqlite3_value *x, sqlite3_value *y)
{
    int tx = sqlite3_value_type(x), ty = sqlite3_value_type(y);
    int cx = tx == SQLITE_INTEGER || tx == SQLITE_FLOAT ? 0 : tx == SQLITE_TEXT ? 1 : 2;
    int cy = ty == SQLITE_INTEGER || ty == SQLITE_FLOAT ? 0 : ty == SQLITE_TEXT ? 1 : 2;
    if (cx != cy)
        return cx < cy ? -1 : 1;
    if (cx == 0) {
        if (tx == SQLITE_INTEGER && ty == SQLITE_INTEGER) {
            sqlite3_int64 a = sqlite3_value_int64(x), b = sqlite3_value_int64(y);
            return a < b ? -1 : a > b;
        }
        double a = sqlite3_value_double(x), b = sqlite3_value_double(y);
        return a < b ? -1 : a > b;
    }
    const void *a = cx == 1 ? (const void *)sqlite3_value_text(x) : sqlite3_value_blob(x);
    const void *b = cx == 1 ? (const void *)sqlite3_value_text(y) : sqlite3_value_blob(y);
    int na = sqlite3_value_bytes(x), nb = sqlite3_value_bytes(y);
    int r = na && nb ? memcmp(a, b, (size_t)(na < nb ? na : nb)) : 0;
    return r ? r : na < nb ? -1 : na > nb;
}

/*
 * least(...) and greatest(...) as PostgreSQL's: NULL arguments are skipped
 * (SQLite's own min()/max() of several arguments are NULL when any is), the
 * result is NULL only when every argument is. user data: 1 = greatest.
 */
static void fn_least_greatest(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    int sign = sqlite3_user_data(ctx) ? 1 : -1;
    sqlite3_value *best = NULL;
    for (int i = 0; i < argc; i++) {
        if (sqlite3_value_type(argv[i]) == SQLITE_NULL)
            continue;
        if (!best || value_cmp(argv[i], best) * sign > 0)
            best = argv[i];
    }
    if (best)
        sqlite3_result_value(ctx, best);
    else
        sqlite3_result_null(ctx);
}

/* ---- connection ---------------------------------------------------- */

static void sq_disconnect(struct xf_conn *conn)
{
    struct xf_sqlite_conn *c = C(conn);
    if (!c)
        return;
    sqlite3_close_v2(c->db);
    free(c->main_path);
    free(c->dir);
    free(c->main_schema);
    free(c);
}

static int sq_connect(struct xf_conn **out, const struct xf_target *t, const char *project_root,
                      struct xf_buf *err)
{
    *out = NULL;
    if (!t->database || !*t->database) {
        xf_buf_adds(err, "the sqlite target has no database file: set 'database' to a path "
                         "in the profile");
        return -1;
    }
    struct xf_sqlite_conn *c = xf_calloc(1, sizeof *c);
    c->base.ops = &xf_sqlite_ops;
    c->base.target = t;
    atomic_init(&c->cancelled, 0);
    c->main_path = xf_strdup(t->database);
    const char *slash = strrchr(t->database, '/');
    c->dir = slash
                 ? xf_strndup(t->database, slash == t->database ? 1 : (size_t)(slash - t->database))
                 : xf_strdup(".");
    c->main_schema = xf_strdup(t->schema && *t->schema ? t->schema : "main");
    c->main_attached = strcasecmp(c->main_schema, "main") != 0;
    c->wal = strcmp(c->main_path, ":memory:") != 0;
    int ret = -1;

    if (c->main_attached &&
        (strcasecmp(c->main_schema, "temp") == 0 || !schema_file_ok(c->main_schema))) {
        xf_buf_addf(err, "invalid schema name '%s': " XF_SCHEMA_NAME_RULE " (nor 'temp' on sqlite)",
                    c->main_schema);
        goto done;
    }
    if (!xf_is_dir(c->dir)) {
        int e = xf_mkdirs(c->dir);
        if (e < 0) {
            xf_buf_addf(err, "could not create the folder '%s' of the sqlite database: %s", c->dir,
                        strerror(-e));
            goto done;
        }
    }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
    const char *open_path = c->main_attached ? ":memory:" : c->main_path;
    if (sqlite3_open_v2(open_path, &c->db, flags, NULL) != SQLITE_OK) {
        xf_buf_addf(err, "could not open the sqlite database '%s': %s", c->main_path,
                    c->db ? sqlite3_errmsg(c->db) : "out of memory");
        goto done;
    }
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
    sqlite3_limit(c->db, SQLITE_LIMIT_ATTACHED, 125); /* capped at the compiled maximum */
    sqlite3_create_function(c->db, "md5", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                            NULL, fn_md5, NULL, NULL);
    sqlite3_create_function(c->db, "split_part", 3,
                            SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                            fn_split_part, NULL, NULL);
    static int greatest = 1;
    sqlite3_create_function(c->db, "least", -1,
                            SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                            fn_least_greatest, NULL, NULL);
    sqlite3_create_function(c->db, "greatest", -1,
                            SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, &greatest,
                            fn_least_greatest, NULL, NULL);
    struct xf_buf e = XF_BUF_INIT;
    if (run(c, "PRAGMA foreign_keys=OFF", NULL, NULL, NULL, &e) < 0) {
        xf_buf_addf(err, "could not set up the sqlite database '%s': %s", c->main_path, e.ptr);
        xf_buf_release(&e);
        goto done;
    }
    if (c->main_attached) {
        if (attach(c, c->main_schema, c->main_path, err) < 0)
            goto done;
    } else if (set_journal(c, "main", c->main_path, err) < 0) {
        xf_buf_release(&e);
        goto done;
    }
    xf_buf_release(&e);
    /* another target's schemas this run reads (--defer, clone): their own names */
    for (size_t i = 0; i < t->nforeign; i++) {
        if (is_attached(c, t->foreign_schemas[i]))
            continue;
        if (!xf_is_file(t->foreign_files[i])) {
            xf_buf_addf(err, "the database file '%s' of schema '%s' does not exist",
                        t->foreign_files[i], t->foreign_schemas[i]);
            goto done;
        }
        if (attach(c, t->foreign_schemas[i], t->foreign_files[i], err) < 0)
            goto done;
    }
    attach_present(c);
    ret = 0;
done:
    if (ret < 0)
        sq_disconnect(&c->base);
    else
        *out = &c->base;
    return ret;
}

/*
 * `xform debug` must change nothing, and connecting creates the database
 * file: an existing file is opened and queried; a missing one is fine when
 * the nearest existing folder above it is writable (the first run creates
 * the file and the folders).
 */
static int sq_check(const struct xf_target *t, const char *project_root, struct xf_buf *note,
                    struct xf_buf *err)
{
    if (t->database && *t->database && !xf_is_file(t->database)) {
        /* the nearest thing above it that exists must be a writable folder */
        char *dir = xf_strdup(t->database);
        struct stat st;
        for (;;) {
            char *slash = strrchr(dir, '/');
            if (!slash) {
                strcpy(dir, ".");
                break;
            }
            *(slash == dir ? slash + 1 : slash) = 0;
            if (stat(dir, &st) == 0 || slash == dir)
                break;
        }
        int ok = xf_is_dir(dir) && access(dir, W_OK) == 0;
        if (ok)
            xf_buf_addf(note, "'%s' does not exist yet: the first run creates it", t->database);
        else
            xf_buf_addf(err,
                        "cannot create the sqlite database '%s': '%s' is not a writable "
                        "folder",
                        t->database, dir);
        free(dir);
        return ok ? 0 : -1;
    }
    struct xf_conn *c;
    if (sq_connect(&c, t, project_root, err) < 0)
        return -1;
    int e = run(C(c), "SELECT 1", NULL, NULL, NULL, err);
    sq_disconnect(c);
    return e < 0 ? -1 : 0;
}

/* ---- plain statements and transactions ----------------------------- */

static int sq_exec(struct xf_conn *conn, const char *sql, struct xf_buf *err)
{
    return run(C(conn), sql, NULL, NULL, NULL, err);
}

static int sq_query(struct xf_conn *conn, const char *sql, struct xf_arena *a,
                    struct xf_result *out, struct xf_buf *err)
{
    return run(C(conn), sql, NULL, a, out, err);
}

static int sq_begin(struct xf_conn *conn, struct xf_buf *err)
{
    return run(C(conn), "BEGIN IMMEDIATE", NULL, NULL, NULL, err);
}

static int sq_commit(struct xf_conn *conn, struct xf_buf *err)
{
    return run(C(conn), "COMMIT", NULL, NULL, NULL, err);
}

static int sq_rollback(struct xf_conn *conn, struct xf_buf *err)
{
    struct xf_sqlite_conn *c = C(conn);
    /* SQLite may already have rolled back (after an interrupt or a full disk) */
    if (sqlite3_get_autocommit(c->db))
        return 0;
    return run(c, "ROLLBACK", &(struct run_opts){.no_cancel = true}, NULL, NULL, err);
}

/*
 * A read connection: in WAL mode each statement reads the last committed
 * state of every file while the writer goes on, and query_only makes any
 * write an error rather than a second writer waiting for the lock.
 */
static int sq_make_reader(struct xf_conn *conn, struct xf_buf *err)
{
    struct xf_sqlite_conn *c = C(conn);
    if (!c->wal)
        return 1;
    return run(c, "PRAGMA query_only=1", NULL, NULL, NULL, err) < 0 ? -1 : 0;
}

static void sq_cancel(struct xf_conn *conn)
{
    struct xf_sqlite_conn *c = C(conn);
    atomic_store(&c->cancelled, 1);
    sqlite3_interrupt(c->db);
}

/* ---- dialect ------------------------------------------------------- */

static void sq_quote(struct xf_buf *out, const char *ident)
{
    xf_adapter_quote_dq(out, ident);
}

static int sq_schema_file(const struct xf_target *t, const char *schema, struct xf_buf *out)
{
    if (!t->database || !*t->database || !schema)
        return -1;
    const char *main_schema = t->schema && *t->schema ? t->schema : "main";
    const char *slash = strrchr(t->database, '/');
    struct xf_buf path = XF_BUF_INIT;
    if (strcasecmp(schema, main_schema) == 0)
        xf_buf_adds(&path, t->database);
    else if (slash)
        xf_buf_addf(&path, "%.*s/%s.db", (int)(slash - t->database), t->database, schema);
    else
        xf_buf_addf(&path, "%s.db", schema);
    /* absolute, through the folder (the file may not exist yet) */
    const char *base = strrchr(path.ptr, '/');
    char *dir = base ? xf_strndup(path.ptr, base == path.ptr ? 1 : (size_t)(base - path.ptr))
                     : xf_strdup(".");
    char *real = realpath(dir, NULL);
    int rc = -1;
    if (real) {
        xf_buf_addf(out, "%s/%s", strcmp(real, "/") ? real : "", base ? base + 1 : path.ptr);
        rc = 0;
    }
    free(real);
    free(dir);
    xf_buf_release(&path);
    return rc;
}

static void sq_render_relation(struct xf_buf *out, const struct xf_relation *r)
{
    if (r->schema && *r->schema) {
        xf_adapter_quote_dq(out, r->schema);
        xf_buf_addch(out, '.');
    }
    xf_adapter_quote_dq(out, r->identifier);
}

static const char *sq_type_name(enum xf_coltype t)
{
    switch (t) {
    case XF_COL_INTEGER:
        return "integer";
    case XF_COL_REAL:
        return "real";
    case XF_COL_BOOLEAN:
        return "boolean";
    case XF_COL_DATE:      /* ISO text: see the top of this file */
    case XF_COL_TIMESTAMP: /* never a NUMERIC-affinity name: casts would keep the year */
    case XF_COL_TEXT:
        break;
    }
    return "text";
}

/* ---- introspection ------------------------------------------------- */

static const char *schema_of(struct xf_sqlite_conn *c, const struct xf_relation *r)
{
    return r->schema && *r->schema ? r->schema : c->main_schema;
}

/* Prepares one statement; the error goes to err. */
static sqlite3_stmt *prepare(struct xf_sqlite_conn *c, const char *sql, struct xf_buf *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
        xf_buf_adds(err, sqlite3_errmsg(c->db));
        return NULL;
    }
    return st;
}

/*
 * What `schema.name` is, without scanning sqlite_master: that table has no
 * index, so a scan per model made every build O(models^2) (at 10,000
 * models it doubled the time sqlite3 itself needs). SQLite keeps the schema
 * in a hash. pragma table_info answers from it, and running it first
 * refreshes a schema another connection changed: no rows, nothing of that
 * name; rows (or an error reading a broken view's columns), something.
 * Then sqlite3_table_column_metadata() says whether it is a table (it says
 * no for views).
 */
static int kind_of(struct xf_sqlite_conn *c, const char *schema, const char *name,
                   enum xf_relkind *out, struct xf_buf *err)
{
    *out = XF_REL_NONE;
    int u = use_schema(c, schema, false, err);
    if (u != 0)
        return u < 0 ? -1 : 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM pragma_table_info(?1, ?2)", -1, &st, NULL) !=
        SQLITE_OK) {
        xf_buf_adds(err, sqlite3_errmsg(c->db));
        return -1;
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, schema, -1, SQLITE_STATIC);
    bool exists = sqlite3_step(st) != SQLITE_DONE;
    sqlite3_finalize(st);
    if (exists)
        *out = sqlite3_table_column_metadata(c->db, schema, name, NULL, NULL, NULL, NULL, NULL,
                                             NULL) == SQLITE_OK
                   ? XF_REL_TABLE
                   : XF_REL_VIEW;
    return 0;
}

static int sq_relation_kind(struct xf_conn *conn, const struct xf_relation *r, enum xf_relkind *out,
                            struct xf_buf *err)
{
    struct xf_sqlite_conn *c = C(conn);
    return kind_of(c, schema_of(c, r), r->identifier, out, err);
}

static int sq_columns(struct xf_conn *conn, const struct xf_relation *r, struct xf_arena *a,
                      struct xf_column_info **out, size_t *n, struct xf_buf *err)
{
    struct xf_sqlite_conn *c = C(conn);
    const char *schema = schema_of(c, r);
    *out = NULL;
    *n = 0;
    int u = use_schema(c, schema, false, err);
    if (u != 0)
        return u < 0 ? -1 : 0;
    /* hidden: 1 = hidden column of a virtual table; 2, 3 = generated columns */
    sqlite3_stmt *st = prepare(c,
                               "SELECT name, type FROM pragma_table_xinfo(?1, ?2) "
                               "WHERE hidden <> 1 ORDER BY cid",
                               err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, r->identifier, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, schema, -1, SQLITE_STATIC);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            *out = xf_arena_grow(a, *out, cap * sizeof **out, ncap * sizeof **out);
            cap = ncap;
        }
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *type = (const char *)sqlite3_column_text(st, 1);
        (*out)[*n] = (struct xf_column_info){
            .name = xf_arena_strdup(a, name ? name : ""),
            .data_type = xf_arena_strdup(a, type ? type : ""),
            .position = (int)*n + 1,
        };
        (*n)++;
    }
    int ret = 0;
    if (rc != SQLITE_DONE) {
        xf_buf_addf(err, "could not read the columns of '%s.%s': %s", schema, r->identifier,
                    sqlite3_errmsg(c->db));
        ret = -1;
    }
    sqlite3_finalize(st);
    return ret;
}

static int sq_ensure_schema(struct xf_conn *conn, const char *schema, struct xf_buf *err)
{
    struct xf_sqlite_conn *c = C(conn);
    return use_schema(c, schema && *schema ? schema : c->main_schema, true, err) < 0 ? -1 : 0;
}

static int sq_list_relations(struct xf_conn *conn, const char *schema, struct xf_arena *a,
                             struct xf_relation **out, enum xf_relkind **kinds, size_t *n,
                             struct xf_buf *err)
{
    struct xf_sqlite_conn *c = C(conn);
    *out = NULL;
    *kinds = NULL;
    *n = 0;
    if (!schema || !*schema)
        schema = c->main_schema;
    int u = use_schema(c, schema, false, err);
    if (u != 0)
        return u < 0 ? -1 : 0;
    struct xf_buf sql = XF_BUF_INIT;
    xf_buf_adds(&sql, "SELECT name, type FROM ");
    xf_adapter_quote_dq(&sql, schema);
    xf_buf_adds(&sql, ".sqlite_master WHERE type IN ('table', 'view') "
                      "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
    sqlite3_stmt *st = prepare(c, sql.ptr, err);
    xf_buf_release(&sql);
    if (!st)
        return -1;
    const char *sch = xf_arena_strdup(a, schema);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            *out = xf_arena_grow(a, *out, cap * sizeof **out, ncap * sizeof **out);
            *kinds = xf_arena_grow(a, *kinds, cap * sizeof **kinds, ncap * sizeof **kinds);
            cap = ncap;
        }
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *type = (const char *)sqlite3_column_text(st, 1);
        (*out)[*n] = (struct xf_relation){NULL, sch, xf_arena_strdup(a, name ? name : "")};
        (*kinds)[*n] = type && strcmp(type, "view") == 0 ? XF_REL_VIEW : XF_REL_TABLE;
        (*n)++;
    }
    int ret = 0;
    if (rc != SQLITE_DONE) {
        xf_buf_addf(err, "could not list the relations of schema '%s': %s", schema,
                    sqlite3_errmsg(c->db));
        ret = -1;
    }
    sqlite3_finalize(st);
    return ret;
}

/* ---- atomic replacement -------------------------------------------- */

static void rel_sql(struct xf_buf *out, const char *schema, const char *name, const char *suffix)
{
    xf_adapter_quote_dq(out, schema);
    xf_buf_addch(out, '.');
    struct xf_buf id = XF_BUF_INIT;
    xf_buf_adds(&id, name);
    if (suffix)
        xf_buf_adds(&id, suffix);
    xf_adapter_quote_dq(out, id.ptr);
    xf_buf_release(&id);
}

/* Opens the replacement's transaction: our own, or a savepoint in the caller's. */
static int tx_open(struct xf_sqlite_conn *c, bool *own, struct xf_buf *executed, struct xf_buf *err)
{
    *own = sqlite3_get_autocommit(c->db) != 0;
    return step_sql(c, *own ? "BEGIN IMMEDIATE" : "SAVEPOINT xform_replace", NULL, executed, err);
}

static int tx_commit(struct xf_sqlite_conn *c, bool own, struct xf_buf *executed,
                     struct xf_buf *err)
{
    return step_sql(c, own ? "COMMIT" : "RELEASE xform_replace",
                    &(struct run_opts){.no_cancel = true}, executed, err);
}

static void tx_rollback(struct xf_sqlite_conn *c, bool own, struct xf_buf *executed)
{
    struct xf_buf ignored = XF_BUF_INIT;
    const struct run_opts o = {.no_cancel = true};
    if (own) {
        if (!sqlite3_get_autocommit(c->db))
            step_sql(c, "ROLLBACK", &o, executed, &ignored);
    } else if (!sqlite3_get_autocommit(c->db)) {
        step_sql(c, "ROLLBACK TO xform_replace", &o, executed, &ignored);
        step_sql(c, "RELEASE xform_replace", &o, executed, &ignored);
    }
    xf_buf_release(&ignored);
}

static int drop_sql(struct xf_sqlite_conn *c, const char *schema, const char *name,
                    const char *suffix, enum xf_relkind kind, bool if_exists,
                    struct xf_buf *executed, struct xf_buf *err)
{
    struct xf_buf sql = XF_BUF_INIT;
    xf_buf_addf(&sql, "DROP %s %s", kind == XF_REL_VIEW ? "VIEW" : "TABLE",
                if_exists ? "IF EXISTS " : "");
    rel_sql(&sql, schema, name, suffix);
    int ret = step_sql(c, sql.ptr, NULL, executed, err);
    xf_buf_release(&sql);
    return ret;
}

/*
 * Inside the open transaction: drops the current relation and renames the
 * finished `<name>__xform_tmp` table to `<name>`. legacy_alter_table keeps
 * RENAME from re-parsing every view of the schema: views that read the old
 * table would otherwise fail the rename ("no such table") between the drop
 * and the rename, and they should simply see the new table by name.
 */
static int swap_in_table(struct xf_sqlite_conn *c, const char *schema, const char *name,
                         struct xf_buf *executed, struct xf_buf *err)
{
    enum xf_relkind old;
    if (kind_of(c, schema, name, &old, err) < 0)
        return -1;
    if (old != XF_REL_NONE && drop_sql(c, schema, name, NULL, old, false, executed, err) < 0)
        return -1;
    if (step_sql(c, "PRAGMA legacy_alter_table=ON", NULL, executed, err) < 0)
        return -1;
    struct xf_buf sql = XF_BUF_INIT;
    xf_buf_adds(&sql, "ALTER TABLE ");
    rel_sql(&sql, schema, name, XF_TMP_SUFFIX);
    xf_buf_adds(&sql, " RENAME TO ");
    xf_adapter_quote_dq(&sql, name);
    int ret = step_sql(c, sql.ptr, NULL, executed, err);
    xf_buf_release(&sql);
    struct xf_buf ignored = XF_BUF_INIT;
    step_sql(c, "PRAGMA legacy_alter_table=OFF", &(struct run_opts){.no_cancel = true}, executed,
             ret < 0 ? &ignored : err);
    xf_buf_release(&ignored);
    return ret;
}

/* Drops `<name>__xform_tmp` left by a killed run (table or view). */
static int drop_leftover(struct xf_sqlite_conn *c, const char *schema, const char *name,
                         struct xf_buf *executed, struct xf_buf *err)
{
    struct xf_buf tmp = XF_BUF_INIT;
    xf_buf_adds(&tmp, name);
    xf_buf_adds(&tmp, XF_TMP_SUFFIX);
    enum xf_relkind k;
    int ret = kind_of(c, schema, tmp.ptr, &k, err);
    if (ret == 0 && k != XF_REL_NONE)
        ret = drop_sql(c, schema, name, XF_TMP_SUFFIX, k, false, executed, err);
    xf_buf_release(&tmp);
    return ret;
}

static void add_cross_schema_hint(struct xf_buf *err, size_t from)
{
    if (strstr(err->ptr + from, "cannot reference objects in database"))
        xf_buf_adds(err, " (a sqlite view can only read relations of its own schema: "
                         "materialize this model as a table)");
}

/* Error positions map into the model's SQL only where create_sql kept it whole. */
static const char *loc(const char *select_sql, size_t at)
{
    return at == (size_t)-1 ? NULL : select_sql;
}

/*
 * Appends the statement creating schema.name+suffix from body: the
 * engine's macro text, or our own. *at is where body starts in it (for
 * error positions), or (size_t)-1 when the macro did not keep it whole.
 */
static int create_sql(struct xf_buf *sql, const struct xf_create_sql *create, const char *schema,
                      const char *name, const char *suffix, enum xf_relkind kind,
                      struct xf_str body, size_t *at, struct xf_buf *err)
{
    if (!create) {
        xf_buf_adds(sql, kind == XF_REL_VIEW ? "CREATE VIEW " : "CREATE TABLE ");
        rel_sql(sql, schema, name, suffix);
        xf_buf_adds(sql, " AS\n");
        *at = sql->len;
        xf_buf_addstr(sql, body);
        return 0;
    }
    struct xf_buf id = XF_BUF_INIT;
    xf_buf_adds(&id, name);
    if (suffix)
        xf_buf_adds(&id, suffix);
    const struct xf_relation rel = {NULL, schema, id.ptr};
    size_t from = sql->len;
    int e = create->render(create->user, sql, &rel, kind, body, err);
    xf_buf_release(&id);
    const char *hit =
        e < 0 || !body.len ? NULL : memmem(sql->ptr + from, sql->len - from, body.p, body.len);
    *at = hit ? (size_t)(hit - sql->ptr) : (size_t)-1;
    return e;
}

static int sq_replace_relation(struct xf_conn *conn, const struct xf_relation *r,
                               enum xf_relkind kind, const char *select_sql,
                               const struct xf_create_sql *create,
                               const struct xf_commit_hook *hook, struct xf_buf *executed,
                               struct xf_buf *err)
{
    struct xf_sqlite_conn *c = C(conn);
    const char *schema = schema_of(c, r);
    const char *name = r->identifier;
    size_t err0 = err->len;
    if (use_schema(c, schema, true, err) < 0)
        return -1;
    struct xf_str body = xf_adapter_trim_sql(select_sql);
    bool own = false, as_table = false;
    int ret = -1;
    struct xf_buf sql = XF_BUF_INIT;

    if (tx_open(c, &own, executed, err) < 0)
        goto done;
    if (drop_leftover(c, schema, name, executed, err) < 0)
        goto fail;

    if (kind == XF_REL_VIEW) {
        enum xf_relkind old;
        if (kind_of(c, schema, name, &old, err) < 0)
            goto fail;
        if (old != XF_REL_NONE && drop_sql(c, schema, name, NULL, old, false, executed, err) < 0)
            goto fail;
        size_t ex0 = executed ? executed->len : 0;
        size_t at;
        if (create_sql(&sql, create, schema, name, NULL, XF_REL_VIEW, body, &at, err) < 0)
            goto fail;
        if (step_sql(c, sql.ptr, &(struct run_opts){loc(select_sql, at), at, true, false}, executed,
                     err) < 0) {
            if (!strstr(err->ptr + err0, "cannot reference objects in database")) {
                add_cross_schema_hint(err, err0);
                goto fail;
            }
            /* A view cannot read another schema's file: a table can. The
             * failed CREATE VIEW changed nothing; the transaction goes on. */
            err->len = err0;
            err->ptr[err0] = 0;
            if (executed) {
                executed->len = ex0;
                executed->ptr[ex0] = 0;
            }
            as_table = true;
            xf_buf_reset(&sql);
            goto table;
        }
        /*
         * SQLite accepts a view over missing tables or columns and fails
         * only when it is read. Reading it now, inside the transaction,
         * makes a bad view fail here (as on Postgres) with the old one kept.
         */
        xf_buf_reset(&sql);
        xf_buf_adds(&sql, "SELECT * FROM ");
        rel_sql(&sql, schema, name, NULL);
        xf_buf_adds(&sql, " LIMIT 0");
        if (run(c, sql.ptr, NULL, NULL, NULL, err) < 0) {
            add_cross_schema_hint(err, err0);
            goto fail;
        }
    } else if (!memmem(body.p, body.len, name, strlen(name))) {
    table:;
        /*
         * SQLite's DDL is transactional: dropping the old relation and
         * creating the new one under its name inside this transaction is
         * as atomic as building aside and renaming (a failure or a kill
         * rolls back to the old table), and it avoids ALTER TABLE RENAME,
         * which re-parses the whole schema and made every build O(tables).
         */
        enum xf_relkind old;
        if (kind_of(c, schema, name, &old, err) < 0)
            goto fail;
        if (old != XF_REL_NONE && drop_sql(c, schema, name, NULL, old, false, executed, err) < 0)
            goto fail;
        size_t at;
        if (create_sql(&sql, create, schema, name, NULL, XF_REL_TABLE, body, &at, err) < 0)
            goto fail;
        if (step_sql(c, sql.ptr, &(struct run_opts){loc(select_sql, at), at, true, false}, executed,
                     err) < 0)
            goto fail;
    } else {
        /* The query may read the old table: build aside, then swap. */
        size_t at;
        if (create_sql(&sql, create, schema, name, XF_TMP_SUFFIX, XF_REL_TABLE, body, &at, err) < 0)
            goto fail;
        if (step_sql(c, sql.ptr, &(struct run_opts){loc(select_sql, at), at, true, false}, executed,
                     err) < 0)
            goto fail;
        if (swap_in_table(c, schema, name, executed, err) < 0)
            goto fail;
    }
    if (hook && hook->fn(hook->user, conn, executed, err) < 0)
        goto fail; /* indexes, grants, docs: in the swap's transaction */
    if (tx_commit(c, own, executed, err) < 0)
        goto fail;
    ret = as_table ? 1 : 0;
    goto done;
fail:
    tx_rollback(c, own, executed);
done:
    xf_buf_release(&sql);
    return ret;
}

static int sq_drop_relation(struct xf_conn *conn, const struct xf_relation *r, struct xf_buf *err)
{
    struct xf_sqlite_conn *c = C(conn);
    const char *schema = schema_of(c, r);
    enum xf_relkind k;
    if (kind_of(c, schema, r->identifier, &k, err) < 0)
        return -1;
    if (k == XF_REL_NONE)
        return 0;
    return drop_sql(c, schema, r->identifier, NULL, k, true, NULL, err);
}

/* ---- seeds --------------------------------------------------------- */

enum bind_class { BIND_TEXT, BIND_INT, BIND_REAL, BIND_NUMERIC, BIND_BOOL };

/* How to bind values for a declared type, after SQLite's affinity rules. */
static enum bind_class bind_class_of(const char *type)
{
    char up[64];
    size_t n = 0;
    for (; type[n] && n + 1 < sizeof up; n++)
        up[n] = (char)((type[n] >= 'a' && type[n] <= 'z') ? type[n] - 32 : type[n]);
    up[n] = 0;
    if (strstr(up, "BOOL"))
        return BIND_BOOL;
    if (strstr(up, "INT"))
        return BIND_INT;
    if (strstr(up, "CHAR") || strstr(up, "CLOB") || strstr(up, "TEXT") || strstr(up, "DATE") ||
        strstr(up, "TIME") || strstr(up, "BLOB") || !*up)
        return BIND_TEXT;
    if (strstr(up, "REAL") || strstr(up, "FLOA") || strstr(up, "DOUB"))
        return BIND_REAL;
    return BIND_NUMERIC;
}

static int bind_cell(sqlite3_stmt *st, int i, enum bind_class k, struct xf_str v)
{
    if (!v.p || (v.len == 0 && k != BIND_TEXT))
        return sqlite3_bind_null(st, i);
    int64_t iv;
    double dv;
    bool bv;
    switch (k) {
    case BIND_BOOL:
        if (xf_adapter_parse_bool(v, &bv))
            return sqlite3_bind_int(st, i, bv);
        break;
    case BIND_INT:
    case BIND_NUMERIC:
        if (xf_adapter_parse_int(v, &iv))
            return sqlite3_bind_int64(st, i, iv);
        if (xf_adapter_parse_real(v, &dv))
            return sqlite3_bind_double(st, i, dv);
        break;
    case BIND_REAL:
        if (xf_adapter_parse_real(v, &dv))
            return sqlite3_bind_double(st, i, dv);
        break;
    case BIND_TEXT:
        break;
    }
    return sqlite3_bind_text(st, i, v.p, (int)v.len, SQLITE_STATIC);
}

static int sq_load_seed(struct xf_conn *conn, const struct xf_relation *r, const struct xf_csv *csv,
                        const char *const *column_types, const struct xf_commit_hook *hook,
                        struct xf_buf *executed, struct xf_buf *err)
{
    struct xf_sqlite_conn *c = C(conn);
    const char *schema = schema_of(c, r);
    const char *name = r->identifier;
    if (csv->ncols == 0) {
        xf_buf_addf(err, "seed '%s' has no columns: add a header row to the CSV file", name);
        return -1;
    }
    if (use_schema(c, schema, true, err) < 0)
        return -1;
    enum bind_class *classes = xf_calloc(csv->ncols, sizeof *classes);
    struct xf_buf sql = XF_BUF_INIT;
    sqlite3_stmt *ins = NULL;
    bool own = false;
    int ret = -1;

    if (tx_open(c, &own, executed, err) < 0)
        goto done;
    if (drop_leftover(c, schema, name, executed, err) < 0)
        goto fail;

    xf_buf_adds(&sql, "CREATE TABLE ");
    rel_sql(&sql, schema, name, XF_TMP_SUFFIX);
    xf_buf_adds(&sql, " (");
    for (size_t i = 0; i < csv->ncols; i++) {
        const char *type =
            column_types && column_types[i] ? column_types[i] : sq_type_name(csv->types[i]);
        classes[i] = bind_class_of(type);
        if (i)
            xf_buf_adds(&sql, ", ");
        xf_adapter_quote_dqn(&sql, csv->header[i].p, csv->header[i].len);
        xf_buf_addch(&sql, ' ');
        xf_buf_adds(&sql, type);
    }
    xf_buf_addch(&sql, ')');
    if (step_sql(c, sql.ptr, NULL, executed, err) < 0)
        goto fail;

    xf_buf_reset(&sql);
    xf_buf_adds(&sql, "INSERT INTO ");
    rel_sql(&sql, schema, name, XF_TMP_SUFFIX);
    xf_buf_adds(&sql, " VALUES (");
    for (size_t i = 0; i < csv->ncols; i++)
        xf_buf_adds(&sql, i ? ", ?" : "?");
    xf_buf_addch(&sql, ')');
    if (executed)
        xf_buf_addf(executed, "%s; -- %zu rows\n", sql.ptr, csv->nrows);
    if (sqlite3_prepare_v2(c->db, sql.ptr, (int)sql.len, &ins, NULL) != SQLITE_OK) {
        xf_buf_adds(err, sqlite3_errmsg(c->db));
        goto fail;
    }
    for (size_t row = 0; row < csv->nrows; row++) {
        const struct xf_str *cells = csv->cells + row * csv->ncols;
        for (size_t i = 0; i < csv->ncols; i++)
            bind_cell(ins, (int)i + 1, classes[i], cells[i]);
        int rc = sqlite3_step(ins);
        if (rc != SQLITE_DONE) {
            if (rc == SQLITE_INTERRUPT)
                take_cancel(c);
            xf_buf_addf(err, "%s (row %zu of the seed)", sqlite3_errmsg(c->db), row + 1);
            goto fail;
        }
        sqlite3_reset(ins);
        if ((row & 1023) == 1023 && take_cancel(c)) {
            xf_buf_adds(err, "interrupted");
            goto fail;
        }
    }
    sqlite3_finalize(ins);
    ins = NULL;
    if (swap_in_table(c, schema, name, executed, err) < 0)
        goto fail;
    if (hook && hook->fn(hook->user, conn, executed, err) < 0)
        goto fail; /* indexes, grants, docs: in the swap's transaction */
    if (tx_commit(c, own, executed, err) < 0)
        goto fail;
    ret = 0;
    goto done;
fail:
    sqlite3_finalize(ins);
    ins = NULL;
    tx_rollback(c, own, executed);
done:
    free(classes);
    xf_buf_release(&sql);
    return ret;
}

/* ---- contracts ----------------------------------------------------- */

/*
 * The columns of a query: a column read from a table has its declared
 * type (sqlite3_column_decltype, also through subqueries); an expression
 * has none, so the first row is read and its value's storage class
 * (INTEGER, REAL, TEXT, BLOB) stands for the type; "" when there is no
 * row or the value is NULL.
 */
static int sq_describe(struct xf_conn *conn, const char *select_sql, struct xf_arena *a,
                       struct xf_column_info **out, size_t *n, struct xf_buf *err)
{
    struct xf_sqlite_conn *c = C(conn);
    *out = NULL;
    *n = 0;
    struct xf_buf sql = XF_BUF_INIT;
    xf_buf_adds(&sql, "select * from (\n");
    size_t at = sql.len;
    xf_buf_addstr(&sql, xf_adapter_trim_sql(select_sql));
    xf_buf_adds(&sql, "\n) as model_limit_subq limit 1");
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(c->db, sql.ptr, -1, &st, NULL);
    if (rc != SQLITE_OK && attach_from_error(c, sqlite3_errmsg(c->db)))
        rc = sqlite3_prepare_v2(c->db, sql.ptr, -1, &st, NULL);
    int ret = -1;
    if (rc != SQLITE_OK || !st) {
        append_db_error(c, err, sql.ptr, 0,
                        &(struct run_opts){.loc_text = select_sql, .loc_off = at});
        goto done;
    }
    size_t nc = (size_t)sqlite3_column_count(st);
    *out = XF_ANEWN(a, struct xf_column_info, nc ? nc : 1);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        append_db_error(c, err, sql.ptr, 0,
                        &(struct run_opts){.loc_text = select_sql, .loc_off = at});
        goto done;
    }
    for (size_t i = 0; i < nc; i++) {
        const char *t = sqlite3_column_decltype(st, (int)i);
        if (!t && rc == SQLITE_ROW) {
            switch (sqlite3_column_type(st, (int)i)) {
            case SQLITE_INTEGER:
                t = "INTEGER";
                break;
            case SQLITE_FLOAT:
                t = "REAL";
                break;
            case SQLITE_TEXT:
                t = "TEXT";
                break;
            case SQLITE_BLOB:
                t = "BLOB";
                break;
            default:
                break;
            }
        }
        const char *nm = sqlite3_column_name(st, (int)i);
        (*out)[i] = (struct xf_column_info){
            .name = xf_arena_strdup(a, nm ? nm : ""),
            .data_type = xf_arena_strdup(a, t ? t : ""),
            .position = (int)i + 1,
        };
    }
    *n = nc;
    ret = 0;
done:
    sqlite3_finalize(st);
    xf_buf_release(&sql);
    return ret;
}

enum affinity { AFF_INTEGER, AFF_TEXT, AFF_BLOB, AFF_REAL, AFF_NUMERIC };

static bool has_ci(const char *s, const char *w)
{
    return strcasestr(s, w) != NULL;
}

/* SQLite's rules for the affinity of a declared type (datatype3.html, 3.1). */
static enum affinity affinity(const char *t)
{
    if (has_ci(t, "INT"))
        return AFF_INTEGER;
    if (has_ci(t, "CHAR") || has_ci(t, "CLOB") || has_ci(t, "TEXT"))
        return AFF_TEXT;
    if (!*t || has_ci(t, "BLOB"))
        return AFF_BLOB;
    if (has_ci(t, "REAL") || has_ci(t, "FLOA") || has_ci(t, "DOUB"))
        return AFF_REAL;
    return AFF_NUMERIC;
}

/*
 * A contract's type matches when the affinities match; a NUMERIC column
 * (numeric, decimal, boolean, date ...) also takes integers and reals, and
 * a date or time column takes text (SQLite keeps dates as ISO text). An
 * unknown actual type (an expression over no rows, or NULL) matches.
 */
static bool sq_type_matches(const char *declared, const char *actual)
{
    if (!*actual)
        return true;
    enum affinity d = affinity(declared), a = affinity(actual);
    if (d == a)
        return true;
    if (d == AFF_NUMERIC && (a == AFF_INTEGER || a == AFF_REAL))
        return true;
    if (d == AFF_NUMERIC && a == AFF_TEXT && (has_ci(declared, "DATE") || has_ci(declared, "TIME")))
        return true;
    return false;
}

static int sq_replace_table_ddl(struct xf_conn *conn, const struct xf_relation *r,
                                const char *columns_ddl, const char *column_list,
                                const char *select_sql, const struct xf_commit_hook *hook,
                                struct xf_buf *executed, struct xf_buf *err)
{
    struct xf_sqlite_conn *c = C(conn);
    const char *schema = schema_of(c, r);
    const char *name = r->identifier;
    if (use_schema(c, schema, true, err) < 0)
        return -1;
    bool own = false;
    int ret = -1;
    struct xf_buf sql = XF_BUF_INIT;
    if (tx_open(c, &own, executed, err) < 0)
        goto done;
    if (drop_leftover(c, schema, name, executed, err) < 0)
        goto fail;
    xf_buf_adds(&sql, "CREATE TABLE ");
    rel_sql(&sql, schema, name, XF_TMP_SUFFIX);
    xf_buf_addf(&sql, " %s", columns_ddl);
    if (step_sql(c, sql.ptr, NULL, executed, err) < 0)
        goto fail;
    xf_buf_reset(&sql);
    xf_buf_adds(&sql, "INSERT INTO ");
    rel_sql(&sql, schema, name, XF_TMP_SUFFIX);
    xf_buf_addf(&sql, " (%s)\nSELECT %s FROM (\n", column_list, column_list);
    size_t at = sql.len;
    xf_buf_addstr(&sql, xf_adapter_trim_sql(select_sql));
    xf_buf_adds(&sql, "\n) AS model_subq");
    if (step_sql(c, sql.ptr, &(struct run_opts){select_sql, at, true, false}, executed, err) < 0)
        goto fail;
    if (swap_in_table(c, schema, name, executed, err) < 0)
        goto fail;
    if (hook && hook->fn(hook->user, conn, executed, err) < 0)
        goto fail; /* indexes, grants, docs: in the swap's transaction */
    if (tx_commit(c, own, executed, err) < 0)
        goto fail;
    ret = 0;
    goto done;
fail:
    tx_rollback(c, own, executed);
done:
    xf_buf_release(&sql);
    return ret;
}

/* xform keeps PRAGMA foreign_keys off: a rebuilt parent would break its children's keys. */
static const char *const sq_unenforced[] = {"foreign_key", NULL};

const struct xf_adapter_ops xf_sqlite_ops = {
    .typeless_literals = true,
    .create_index = xf_sqlite_create_index,
    /* times are text (or anything): datetime() reads every ISO form and offset as UTC */
    .event_time_column = "datetime(%s)",
    .name = "sqlite",
    .macros_sql = xf_sqlite_macros_sql,
    .single_writer = true,
    .make_reader = sq_make_reader,
    .check = sq_check,
    .connect = sq_connect,
    .disconnect = sq_disconnect,
    .exec = sq_exec,
    .query = sq_query,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .cancel = sq_cancel,
    .relation_kind = sq_relation_kind,
    .columns = sq_columns,
    .ensure_schema = sq_ensure_schema,
    .list_relations = sq_list_relations,
    .quote = sq_quote,
    .render_relation = sq_render_relation,
    .type_name = sq_type_name,
    .replace_relation = sq_replace_relation,
    .load_seed = sq_load_seed,
    .drop_relation = sq_drop_relation,
    .describe = sq_describe,
    .type_matches = sq_type_matches,
    .replace_table_ddl = sq_replace_table_ddl,
    .fk_bare_name = true,
    .unenforced_constraints = sq_unenforced,
    /* Every attached schema is a file; pragma_table_list + table_xinfo read one in one query. */
    .catalog_sql = "SELECT t.name AS table_name, "
                   "CASE t.type WHEN 'view' THEN 'VIEW' ELSE 'BASE TABLE' END AS table_type, "
                   "c.name AS column_name, c.cid + 1 AS column_index, c.type AS column_type "
                   "FROM pragma_table_list AS t JOIN pragma_table_xinfo(t.name, t.schema) AS c "
                   "WHERE t.schema = %s AND t.type IN ('table', 'view') "
                   "AND t.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY t.name, c.cid",
    /* the widest of the sample's storage classes: 1 and 2.5 make REAL */
    .catalog_value_type = "CASE WHEN count(*) = 0 THEN NULL "
                          "WHEN max(typeof(xf_value) = 'blob') THEN 'BLOB' "
                          "WHEN max(typeof(xf_value) = 'text') THEN 'TEXT' "
                          "WHEN max(typeof(xf_value) = 'real') THEN 'REAL' ELSE 'INTEGER' END",
    .catalog_any_type = "ANY",
    .view_as_table_message = "SELECT (a table: a SQLite view cannot read another schema)",
    .schema_file = sq_schema_file,
};
