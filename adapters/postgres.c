// SPDX-License-Identifier: MIT
/*
 * The PostgreSQL adapter over libpq: profile settings to a connection,
 * text results converted by column type, catalog introspection, and
 * atomic replacement with transactional DDL (build under a temporary
 * name, rename the old relation away, rename the new one in, drop the
 * old; one transaction). Seeds are loaded with COPY FROM STDIN.
 *
 * As in dbt-postgres, the old relation is dropped with CASCADE, so views
 * of other models that read a replaced relation are dropped with it and
 * come back when those models are built.
 */
#include "adapters/postgres.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "adapters/internal.h"
#include "util/dynlib.h"
#include "util/hash.h"

/*
 * libpq is loaded on first use (util/dynlib.h): the names below are
 * pointers filled by libpq_load(); call sites read as plain calls.
 */
XF_DYN_PTR(PQcancel);
XF_DYN_PTR(PQclear);
XF_DYN_PTR(PQconnectdbParams);
XF_DYN_PTR(PQconninfoFree);
XF_DYN_PTR(PQconninfoParse);
XF_DYN_PTR(PQdb);
XF_DYN_PTR(PQerrorMessage);
XF_DYN_PTR(PQexec);
XF_DYN_PTR(PQexecParams);
XF_DYN_PTR(PQfinish);
XF_DYN_PTR(PQfmod);
XF_DYN_PTR(PQfname);
XF_DYN_PTR(PQfreeCancel);
XF_DYN_PTR(PQfreemem);
XF_DYN_PTR(PQftype);
XF_DYN_PTR(PQgetCancel);
XF_DYN_PTR(PQgetResult);
XF_DYN_PTR(PQgetisnull);
XF_DYN_PTR(PQgetlength);
XF_DYN_PTR(PQgetvalue);
XF_DYN_PTR(PQhost);
XF_DYN_PTR(PQnfields);
XF_DYN_PTR(PQntuples);
XF_DYN_PTR(PQport);
XF_DYN_PTR(PQputCopyData);
XF_DYN_PTR(PQputCopyEnd);
XF_DYN_PTR(PQresultErrorField);
XF_DYN_PTR(PQresultStatus);
XF_DYN_PTR(PQserverVersion);
XF_DYN_PTR(PQsetNoticeProcessor);
XF_DYN_PTR(PQstatus);
XF_DYN_PTR(PQtransactionStatus);
XF_DYN_PTR(PQuser);
#undef PQcancel
#define PQcancel (*xf_dyn_PQcancel)
#undef PQclear
#define PQclear (*xf_dyn_PQclear)
#undef PQconnectdbParams
#define PQconnectdbParams (*xf_dyn_PQconnectdbParams)
#undef PQconninfoFree
#define PQconninfoFree (*xf_dyn_PQconninfoFree)
#undef PQconninfoParse
#define PQconninfoParse (*xf_dyn_PQconninfoParse)
#undef PQdb
#define PQdb (*xf_dyn_PQdb)
#undef PQerrorMessage
#define PQerrorMessage (*xf_dyn_PQerrorMessage)
#undef PQexec
#define PQexec (*xf_dyn_PQexec)
#undef PQexecParams
#define PQexecParams (*xf_dyn_PQexecParams)
#undef PQfinish
#define PQfinish (*xf_dyn_PQfinish)
#undef PQfmod
#define PQfmod (*xf_dyn_PQfmod)
#undef PQfname
#define PQfname (*xf_dyn_PQfname)
#undef PQfreeCancel
#define PQfreeCancel (*xf_dyn_PQfreeCancel)
#undef PQfreemem
#define PQfreemem (*xf_dyn_PQfreemem)
#undef PQftype
#define PQftype (*xf_dyn_PQftype)
#undef PQgetCancel
#define PQgetCancel (*xf_dyn_PQgetCancel)
#undef PQgetResult
#define PQgetResult (*xf_dyn_PQgetResult)
#undef PQgetisnull
#define PQgetisnull (*xf_dyn_PQgetisnull)
#undef PQgetlength
#define PQgetlength (*xf_dyn_PQgetlength)
#undef PQgetvalue
#define PQgetvalue (*xf_dyn_PQgetvalue)
#undef PQhost
#define PQhost (*xf_dyn_PQhost)
#undef PQnfields
#define PQnfields (*xf_dyn_PQnfields)
#undef PQntuples
#define PQntuples (*xf_dyn_PQntuples)
#undef PQport
#define PQport (*xf_dyn_PQport)
#undef PQputCopyData
#define PQputCopyData (*xf_dyn_PQputCopyData)
#undef PQputCopyEnd
#define PQputCopyEnd (*xf_dyn_PQputCopyEnd)
#undef PQresultErrorField
#define PQresultErrorField (*xf_dyn_PQresultErrorField)
#undef PQresultStatus
#define PQresultStatus (*xf_dyn_PQresultStatus)
#undef PQserverVersion
#define PQserverVersion (*xf_dyn_PQserverVersion)
#undef PQsetNoticeProcessor
#define PQsetNoticeProcessor (*xf_dyn_PQsetNoticeProcessor)
#undef PQstatus
#define PQstatus (*xf_dyn_PQstatus)
#undef PQtransactionStatus
#define PQtransactionStatus (*xf_dyn_PQtransactionStatus)
#undef PQuser
#define PQuser (*xf_dyn_PQuser)
static const struct xf_dynsym libpq_syms[] = {
    XF_DYN_SYM(PQcancel),
    XF_DYN_SYM(PQclear),
    XF_DYN_SYM(PQconnectdbParams),
    XF_DYN_SYM(PQconninfoFree),
    XF_DYN_SYM(PQconninfoParse),
    XF_DYN_SYM(PQdb),
    XF_DYN_SYM(PQerrorMessage),
    XF_DYN_SYM(PQexec),
    XF_DYN_SYM(PQexecParams),
    XF_DYN_SYM(PQfinish),
    XF_DYN_SYM(PQfmod),
    XF_DYN_SYM(PQfname),
    XF_DYN_SYM(PQfreeCancel),
    XF_DYN_SYM(PQfreemem),
    XF_DYN_SYM(PQftype),
    XF_DYN_SYM(PQgetCancel),
    XF_DYN_SYM(PQgetResult),
    XF_DYN_SYM(PQgetisnull),
    XF_DYN_SYM(PQgetlength),
    XF_DYN_SYM(PQgetvalue),
    XF_DYN_SYM(PQhost),
    XF_DYN_SYM(PQnfields),
    XF_DYN_SYM(PQntuples),
    XF_DYN_SYM(PQport),
    XF_DYN_SYM(PQputCopyData),
    XF_DYN_SYM(PQputCopyEnd),
    XF_DYN_SYM(PQresultErrorField),
    XF_DYN_SYM(PQresultStatus),
    XF_DYN_SYM(PQserverVersion),
    XF_DYN_SYM(PQsetNoticeProcessor),
    XF_DYN_SYM(PQstatus),
    XF_DYN_SYM(PQtransactionStatus),
    XF_DYN_SYM(PQuser),
};
static const char *const libpq_sonames[] = {"libpq.so.5", "libpq.so", NULL};
static struct xf_dynlib libpq = {
    "libpq", libpq_sonames, libpq_syms, sizeof libpq_syms / sizeof libpq_syms[0], 0, ""};

/* Postgres names are at most NAMEDATALEN - 1 bytes. */
#define PG_MAX_IDENT 63
#define COPY_CHUNK (1 << 20)

static struct xf_postgres_conn *P(struct xf_conn *c)
{
    return (struct xf_postgres_conn *)c;
}

/* ---- messages ------------------------------------------------------ */

/* libpq's multi-line texts on one line: "a\n\tb\n" -> "a; b". */
static void add_clean(struct xf_buf *out, const char *msg)
{
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ' || msg[n - 1] == '\t'))
        n--;
    for (size_t i = 0; i < n; i++) {
        if (msg[i] == '\n') {
            while (i + 1 < n && (msg[i + 1] == '\t' || msg[i + 1] == ' ' || msg[i + 1] == '\n'))
                i++;
            xf_buf_adds(out, "; ");
        } else {
            xf_buf_addch(out, msg[i]);
        }
    }
}

/* Replaces every occurrence of `secret` in out[from..] with asterisks. */
static void scrub(struct xf_buf *out, size_t from, const char *secret)
{
    size_t n = secret ? strlen(secret) : 0;
    if (n < 3) /* too short to tell from ordinary words, and never echoed by libpq */
        return;
    char *p;
    while ((p = strstr(out->ptr + from, secret))) {
        size_t at = (size_t)(p - out->ptr);
        struct xf_buf tail = XF_BUF_INIT;
        xf_buf_adds(&tail, p + n);
        xf_buf_setlen(out, at);
        xf_buf_adds(out, "********");
        from = out->len;
        xf_buf_add(out, tail.ptr, tail.len);
        xf_buf_release(&tail);
    }
}

/*
 * Hides every "quoted" part longer than a token like "=" or "]": libpq
 * echoes pieces of a bad conninfo there, and they may hold the password.
 */
static void add_unquoted(struct xf_buf *out, const char *msg)
{
    struct xf_buf b = XF_BUF_INIT;
    const char *p = msg;
    while (*p) {
        const char *q = strchr(p, '"');
        const char *e = q ? strchr(q + 1, '"') : NULL;
        if (!e) {
            xf_buf_adds(&b, p);
            break;
        }
        xf_buf_add(&b, p, (size_t)(q - p));
        if (e - q - 1 <= 2)
            xf_buf_add(&b, q, (size_t)(e - q) + 1);
        else
            xf_buf_adds(&b, "\"...\"");
        p = e + 1;
    }
    add_clean(out, b.ptr);
    xf_buf_release(&b);
}

/* How run() reports positions and whether a pending cancel may stop it. */
struct run_opts {
    const char *loc_text; /* positions are given in this text ... */
    size_t loc_off;       /* ... which starts at this byte of the SQL run */
    bool no_cancel;       /* cleanup: never refused by a pending cancel */
    bool context;         /* add the server's context line (COPY row) */
};

static bool take_cancel(struct xf_postgres_conn *c)
{
    return atomic_exchange(&c->cancelled, 0) != 0;
}

static void result_error(struct xf_postgres_conn *c, const PGresult *r, const char *sql,
                         const struct run_opts *o, struct xf_buf *err)
{
    const char *prim = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!prim) {
        const char *m = PQerrorMessage(c->pg);
        add_clean(err, m && *m ? m : "unknown error from the postgres server");
        if (PQstatus(c->pg) == CONNECTION_BAD)
            xf_buf_addf(err,
                        " (the connection to host '%s' port %s database '%s' was lost: "
                        "the server stopped or ended the session)",
                        PQhost(c->pg), PQport(c->pg), c->dbname);
        return;
    }
    xf_buf_adds(err, prim);
    const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
    const char *ex_text = NULL; /* the line with a caret goes last, after detail and hint */
    size_t ex_off = 0;
    if (pos && sql && atoi(pos) > 0) {
        size_t b = xf_adapter_char_to_byte(sql, (size_t)atoi(pos) - 1);
        if (o && o->loc_text) {
            if (b >= o->loc_off) {
                xf_adapter_locate(err, o->loc_text, b - o->loc_off);
                ex_text = o->loc_text;
                ex_off = b - o->loc_off;
            }
        } else {
            xf_adapter_locate(err, sql, b);
            ex_text = sql;
            ex_off = b;
        }
    }
    const char *detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
    if (detail) {
        xf_buf_adds(err, ": ");
        add_clean(err, detail);
    }
    const char *ctx = o && o->context ? PQresultErrorField(r, PG_DIAG_CONTEXT) : NULL;
    if (ctx) {
        xf_buf_adds(err, " (");
        add_clean(err, ctx);
        xf_buf_addch(err, ')');
    }
    const char *hint = PQresultErrorField(r, PG_DIAG_MESSAGE_HINT);
    if (hint) {
        xf_buf_adds(err, " (hint: ");
        add_clean(err, hint);
        xf_buf_addch(err, ')');
    }
    if (ex_text)
        xf_adapter_excerpt(err, ex_text, ex_off);
}

static bool is_cancel_error(const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return state && strcmp(state, "57014") == 0;
}

/* ---- results ------------------------------------------------------- */

enum {
    OID_BOOL = 16,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_OID = 26,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_NUMERIC = 1700,
};

static const struct {
    Oid oid;
    const char *name;
} type_names[] = {
    {16, "boolean"},
    {17, "bytea"},
    {18, "\"char\""},
    {19, "name"},
    {20, "bigint"},
    {21, "smallint"},
    {23, "integer"},
    {25, "text"},
    {26, "oid"},
    {114, "json"},
    {700, "real"},
    {701, "double precision"},
    {1042, "character"},
    {1043, "character varying"},
    {1082, "date"},
    {1083, "time without time zone"},
    {1114, "timestamp without time zone"},
    {1184, "timestamp with time zone"},
    {1186, "interval"},
    {1266, "time with time zone"},
    {1700, "numeric"},
    {2950, "uuid"},
    {3802, "jsonb"},
};

static const char *oid_name(Oid oid)
{
    for (size_t i = 0; i < sizeof type_names / sizeof *type_names; i++)
        if (type_names[i].oid == oid)
            return type_names[i].name;
    return "";
}

static struct xf_value convert(struct xf_arena *a, Oid type, const char *v, size_t len)
{
    int64_t iv;
    char *end;
    switch (type) {
    case OID_BOOL:
        return xf_v_bool(v[0] == 't');
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_OID:
        if (xf_adapter_parse_int(xf_str_n(v, len), &iv))
            return xf_v_int(iv);
        break;
    case OID_NUMERIC:
        /* sum()/avg() of integers are numeric: keep whole numbers whole */
        if (xf_adapter_parse_int(xf_str_n(v, len), &iv))
            return xf_v_int(iv);
        /* fall through */
    case OID_FLOAT4:
    case OID_FLOAT8: {
        double d = strtod(v, &end);
        if (end != v && !*end)
            return xf_v_float(d);
        break;
    }
    default:
        break;
    }
    return xf_v_str(xf_str_n(xf_arena_strndup(a, v, len), len));
}

static void fill_result(const PGresult *r, struct xf_arena *a, struct xf_result *res)
{
    size_t nc = (size_t)PQnfields(r), nr = (size_t)PQntuples(r);
    res->ncols = nc;
    res->nrows = nr;
    res->colnames = XF_ANEWN(a, const char *, nc ? nc : 1);
    res->coltypes = XF_ANEWN(a, const char *, nc ? nc : 1);
    size_t ncells = nc * nr;
    res->cells = XF_ANEWN(a, struct xf_value, ncells ? ncells : 1);
    for (size_t j = 0; j < nc; j++) {
        res->colnames[j] = xf_arena_strdup(a, PQfname(r, (int)j));
        res->coltypes[j] = oid_name(PQftype(r, (int)j));
    }
    for (size_t i = 0; i < nr; i++)
        for (size_t j = 0; j < nc; j++) {
            struct xf_value *cell = &res->cells[i * nc + j];
            if (PQgetisnull(r, (int)i, (int)j))
                *cell = xf_v_none();
            else
                *cell = convert(a, PQftype(r, (int)j), PQgetvalue(r, (int)i, (int)j),
                                (size_t)PQgetlength(r, (int)i, (int)j));
        }
}

/* ---- statements ---------------------------------------------------- */

/*
 * The statement as sent: with the node's query comment before it (*shift:
 * its bytes) or after it (docs/materializations.md, "Postgres extras").
 */
static const char *commented(const struct xf_postgres_conn *c, const char *sql, struct xf_buf *tmp,
                             size_t *shift)
{
    *shift = 0;
    const char *cm = c->base.node.comment;
    if (!cm)
        return sql;
    if (c->base.node.comment_append) {
        xf_buf_addf(tmp, "%s\n/* %s */", sql, cm);
    } else {
        xf_buf_addf(tmp, "/* %s */\n", cm);
        *shift = tmp->len;
        xf_buf_adds(tmp, sql);
    }
    return tmp->ptr;
}

/* Runs one or more statements (simple protocol); rows of the last land in res. */
static int run(struct xf_postgres_conn *c, const char *sql, const struct run_opts *o,
               struct xf_arena *a, struct xf_result *res, struct xf_buf *err)
{
    if (res)
        memset(res, 0, sizeof *res);
    if (!(o && o->no_cancel) && take_cancel(c)) {
        xf_buf_adds(err, "canceling statement due to user request");
        return -1;
    }
    struct xf_buf with = XF_BUF_INIT;
    size_t shift;
    const char *text = commented(c, sql, &with, &shift);
    struct run_opts moved = o ? *o : (struct run_opts){0};
    if (shift) { /* positions past the comment, in the caller's text */
        if (!moved.loc_text)
            moved.loc_text = sql;
        moved.loc_off += shift;
        o = &moved;
    }
    PGresult *r = PQexec(c->pg, text);
    ExecStatusType st = PQresultStatus(r);
    int ret = 0;
    if (st == PGRES_TUPLES_OK) {
        if (res)
            fill_result(r, a, res);
    } else if (st != PGRES_COMMAND_OK && st != PGRES_EMPTY_QUERY) {
        if (is_cancel_error(r))
            take_cancel(c);
        result_error(c, r, text, o, err);
        ret = -1;
    }
    PQclear(r);
    xf_buf_release(&with);
    return ret;
}

static int step_sql(struct xf_postgres_conn *c, const char *sql, const struct run_opts *o,
                    struct xf_buf *executed, struct xf_buf *err)
{
    if (executed) {
        xf_buf_adds(executed, sql);
        xf_buf_adds(executed, ";\n");
    }
    return run(c, sql, o, NULL, NULL, err);
}

/* A catalog query with text parameters; NULL after an error. */
static PGresult *params(struct xf_postgres_conn *c, const char *sql, int n, const char *const *vals,
                        struct xf_buf *err)
{
    struct xf_buf with = XF_BUF_INIT;
    size_t shift;
    PGresult *r =
        PQexecParams(c->pg, commented(c, sql, &with, &shift), n, NULL, vals, NULL, NULL, 0);
    xf_buf_release(&with);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        result_error(c, r, NULL, NULL, err);
        PQclear(r);
        return NULL;
    }
    return r;
}

/* ---- connection ---------------------------------------------------- */

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static const char *setting(struct xf_arena *a, const struct xf_target *t, const char *key)
{
    if (t->settings.t != XF_V_DICT || !t->settings.u.d)
        return NULL;
    return xf_value_text(a, xf_dict_getc(t->settings.u.d, key));
}

static void pg_disconnect(struct xf_conn *conn)
{
    struct xf_postgres_conn *c = P(conn);
    if (!c)
        return;
    if (c->cancel)
        PQfreeCancel(c->cancel);
    if (c->pg)
        PQfinish(c->pg);
    free(c->dbname);
    free(c);
}

/* Profile keys passed to libpq as they are (first spelling wins). */
static const struct {
    const char *keyword;
    const char *names[3];
} libpq_keys[] = {
    {"host", {"host", NULL}},
    {"port", {"port", NULL}},
    {"user", {"user", "username", NULL}},
    {"password", {"password", "pass", NULL}},
    {"dbname", {"dbname", "database", NULL}},
    {"sslmode", {"sslmode", NULL}},
    {"sslcert", {"sslcert", NULL}},
    {"sslkey", {"sslkey", NULL}},
    {"sslrootcert", {"sslrootcert", NULL}},
    {"connect_timeout", {"connect_timeout", NULL}},
    {"keepalives_idle", {"keepalives_idle", NULL}},
    {"application_name", {"application_name", NULL}},
};

static int pg_connect(struct xf_conn **out, const struct xf_target *t, const char *project_root,
                      struct xf_buf *err)
{
    *out = NULL;
    struct xf_arena a;
    xf_arena_init(&a);
    enum { MAXK = 2 + 1 + sizeof libpq_keys / sizeof *libpq_keys + 1 };
    const char *keys[MAXK], *vals[MAXK];
    int n = 0, expand = 0, ret = -1;
    const char *secrets[3] = {NULL, NULL, getenv("PGPASSWORD")};
    struct xf_postgres_conn *c = NULL;
    size_t err0 = err->len;
    if (xf_dynlib_load(&libpq, err) < 0)
        return -1;

    /* defaults first: an explicit conninfo or setting overrides them */
    keys[n] = "fallback_application_name", vals[n++] = "xform";
    keys[n] = "connect_timeout", vals[n++] = "10";
    const char *conninfo = setting(&a, t, "conninfo");
    if (!conninfo)
        conninfo = setting(&a, t, "uri");
    if (conninfo) {
        char *perr = NULL;
        PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
        if (!opts) {
            xf_buf_adds(err, "the profile's 'conninfo' is not a valid libpq connection string "
                             "or URI");
            if (perr) {
                xf_buf_adds(err, ": ");
                add_unquoted(err, perr);
                PQfreemem(perr);
            }
            goto done;
        }
        for (PQconninfoOption *o = opts; o->keyword; o++)
            if (strcmp(o->keyword, "password") == 0 && o->val)
                secrets[1] = xf_arena_strdup(&a, o->val);
        PQconninfoFree(opts);
        keys[n] = "dbname", vals[n++] = conninfo;
        expand = 1;
    }
    for (size_t i = 0; i < sizeof libpq_keys / sizeof *libpq_keys; i++) {
        const char *v = NULL;
        for (size_t j = 0; !v && libpq_keys[i].names[j]; j++)
            v = setting(&a, t, libpq_keys[i].names[j]);
        if (!v && strcmp(libpq_keys[i].keyword, "dbname") == 0 && !conninfo && t->database &&
            *t->database)
            v = t->database;
        if (!v || !*v)
            continue;
        if (strcmp(libpq_keys[i].keyword, "keepalives_idle") == 0 && strcmp(v, "0") == 0)
            continue; /* dbt's default: leave it to the system */
        if (strcmp(libpq_keys[i].keyword, "password") == 0)
            secrets[0] = v;
        keys[n] = libpq_keys[i].keyword, vals[n++] = v;
    }
    keys[n] = NULL, vals[n] = NULL;

    PGconn *pg = PQconnectdbParams(keys, vals, expand);
    if (!pg)
        xf_die_oom();
    if (PQstatus(pg) != CONNECTION_OK) {
        const char *host = PQhost(pg), *port = PQport(pg), *db = PQdb(pg), *user = PQuser(pg);
        /* the engine prefixes "could not connect to the postgres target ...": say where */
        xf_buf_addf(err, "host '%s' port %s database '%s'", host && *host ? host : "localhost",
                    port && *port ? port : "5432", db ? db : "");
        if (user && *user)
            xf_buf_addf(err, " user '%s'", user);
        xf_buf_adds(err, ": ");
        add_clean(err, PQerrorMessage(pg));
        PQfinish(pg);
        goto done;
    }
    PQsetNoticeProcessor(pg, ignore_notice, NULL);
    c = xf_calloc(1, sizeof *c);
    c->base.ops = &xf_postgres_ops;
    c->base.target = t;
    c->pg = pg;
    c->cancel = PQgetCancel(pg);
    c->dbname = xf_strdup(PQdb(pg));
    atomic_init(&c->cancelled, 0);

    /*
     * If xform dies (kill -9, a lost laptop lid), have the server notice
     * within a second and roll back, instead of running an orphaned query
     * to its end while holding locks the next run waits on. The setting
     * exists from PostgreSQL 14; older servers reject it harmlessly.
     */
    if (PQserverVersion(pg) >= 140000) {
        PGresult *r = PQexec(pg, "set client_connection_check_interval = 1000");
        PQclear(r);
    }
    const char *search_path = setting(&a, t, "search_path");
    if (search_path && *search_path) {
        const char *v[1] = {search_path};
        PGresult *r =
            params(c, "select pg_catalog.set_config('search_path', $1, false)", 1, v, err);
        if (!r) {
            xf_buf_addf(err, " (while setting search_path to '%s' from the profile)", search_path);
            goto done;
        }
        PQclear(r);
    }
    const char *role = setting(&a, t, "role");
    if (role && *role) {
        struct xf_buf sql = XF_BUF_INIT;
        xf_buf_adds(&sql, "set role ");
        xf_adapter_quote_dq(&sql, role);
        int e = run(c, sql.ptr, NULL, NULL, NULL, err);
        xf_buf_release(&sql);
        if (e < 0) {
            xf_buf_addf(err, " (while switching to the profile's role '%s')", role);
            goto done;
        }
    }
    *out = &c->base;
    c = NULL;
    ret = 0;
done:
    for (size_t i = 0; i < 3; i++)
        scrub(err, err0, secrets[i]);
    pg_disconnect(c ? &c->base : NULL);
    xf_arena_release(&a);
    return ret;
}

/* ---- plain statements and transactions ----------------------------- */

static int pg_exec(struct xf_conn *conn, const char *sql, struct xf_buf *err)
{
    return run(P(conn), sql, NULL, NULL, NULL, err);
}

static int pg_query(struct xf_conn *conn, const char *sql, struct xf_arena *a,
                    struct xf_result *out, struct xf_buf *err)
{
    return run(P(conn), sql, NULL, a, out, err);
}

static int pg_begin(struct xf_conn *conn, struct xf_buf *err)
{
    return run(P(conn), "begin", NULL, NULL, NULL, err);
}

static int pg_commit(struct xf_conn *conn, struct xf_buf *err)
{
    return run(P(conn), "commit", NULL, NULL, NULL, err);
}

static int pg_rollback(struct xf_conn *conn, struct xf_buf *err)
{
    struct xf_postgres_conn *c = P(conn);
    if (PQtransactionStatus(c->pg) == PQTRANS_IDLE)
        return 0;
    return run(c, "rollback", &(struct run_opts){.no_cancel = true}, NULL, NULL, err);
}

static void pg_cancel(struct xf_conn *conn)
{
    struct xf_postgres_conn *c = P(conn);
    atomic_store(&c->cancelled, 1);
    char buf[256];
    if (c->cancel)
        PQcancel(c->cancel, buf, sizeof buf);
}

/* ---- dialect ------------------------------------------------------- */

static void pg_quote(struct xf_buf *out, const char *ident)
{
    xf_adapter_quote_dq(out, ident);
}

static void pg_render_relation(struct xf_buf *out, const struct xf_relation *r)
{
    if (r->database && *r->database && r->schema && *r->schema) {
        xf_adapter_quote_dq(out, r->database);
        xf_buf_addch(out, '.');
    }
    if (r->schema && *r->schema) {
        xf_adapter_quote_dq(out, r->schema);
        xf_buf_addch(out, '.');
    }
    xf_adapter_quote_dq(out, r->identifier);
}

static const char *pg_type_name(enum xf_coltype t)
{
    switch (t) {
    case XF_COL_INTEGER:
        return "bigint";
    case XF_COL_REAL:
        return "double precision";
    case XF_COL_BOOLEAN:
        return "boolean";
    case XF_COL_DATE:
        return "date";
    case XF_COL_TIMESTAMP:
        return "timestamp";
    case XF_COL_TEXT:
        break;
    }
    return "text";
}

/* ---- introspection ------------------------------------------------- */

static const char *schema_of(struct xf_postgres_conn *c, const char *schema)
{
    if (schema && *schema)
        return schema;
    const char *t = c->base.target ? c->base.target->schema : NULL;
    return t && *t ? t : "public";
}

/* pg_class.relkind of schema.name, or 0 when there is none. */
static int relkind_of(struct xf_postgres_conn *c, const char *schema, const char *name, char *out,
                      struct xf_buf *err)
{
    *out = 0;
    const char *v[2] = {schema, name};
    PGresult *r = params(c,
                         "select c.relkind from pg_catalog.pg_class c "
                         "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
                         "where n.nspname = $1 and c.relname = $2 "
                         "and c.relkind in ('r', 'p', 'f', 'v', 'm')",
                         2, v, err);
    if (!r)
        return -1;
    if (PQntuples(r) > 0)
        *out = PQgetvalue(r, 0, 0)[0];
    PQclear(r);
    return 0;
}

static enum xf_relkind relkind_enum(char k)
{
    if (!k)
        return XF_REL_NONE;
    return k == 'v' || k == 'm' ? XF_REL_VIEW : XF_REL_TABLE;
}

static const char *relkind_keyword(char k)
{
    switch (k) {
    case 'v':
        return "view";
    case 'm':
        return "materialized view";
    case 'f':
        return "foreign table";
    default:
        return "table";
    }
}

static int pg_relation_kind(struct xf_conn *conn, const struct xf_relation *r, enum xf_relkind *out,
                            struct xf_buf *err)
{
    struct xf_postgres_conn *c = P(conn);
    char k;
    if (relkind_of(c, schema_of(c, r->schema), r->identifier, &k, err) < 0)
        return -1;
    *out = relkind_enum(k);
    return 0;
}

static int pg_columns(struct xf_conn *conn, const struct xf_relation *r, struct xf_arena *a,
                      struct xf_column_info **out, size_t *n, struct xf_buf *err)
{
    struct xf_postgres_conn *c = P(conn);
    *out = NULL;
    *n = 0;
    const char *v[2] = {schema_of(c, r->schema), r->identifier};
    PGresult *res = params(c,
                           "select a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) "
                           "from pg_catalog.pg_attribute a "
                           "join pg_catalog.pg_class c on c.oid = a.attrelid "
                           "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
                           "where n.nspname = $1 and c.relname = $2 "
                           "and a.attnum > 0 and not a.attisdropped order by a.attnum",
                           2, v, err);
    if (!res)
        return -1;
    size_t nr = (size_t)PQntuples(res);
    *out = XF_ANEWN(a, struct xf_column_info, nr ? nr : 1);
    for (size_t i = 0; i < nr; i++)
        (*out)[i] = (struct xf_column_info){
            .name = xf_arena_strdup(a, PQgetvalue(res, (int)i, 0)),
            .data_type = xf_arena_strdup(a, PQgetvalue(res, (int)i, 1)),
            .position = (int)i + 1,
        };
    *n = nr;
    PQclear(res);
    return 0;
}

static int pg_ensure_schema(struct xf_conn *conn, const char *schema, struct xf_buf *err)
{
    struct xf_postgres_conn *c = P(conn);
    schema = schema_of(c, schema);
    const char *v[1] = {schema};
    /* look first: a user without CREATE on the database can use existing schemas */
    PGresult *r = params(c, "select 1 from pg_catalog.pg_namespace where nspname = $1", 1, v, err);
    if (!r)
        return -1;
    bool exists = PQntuples(r) > 0;
    PQclear(r);
    if (exists)
        return 0;
    struct xf_buf sql = XF_BUF_INIT;
    xf_buf_adds(&sql, "create schema if not exists ");
    xf_adapter_quote_dq(&sql, schema);
    size_t err0 = err->len;
    int ret = run(c, sql.ptr, NULL, NULL, NULL, err);
    if (ret < 0 && PQtransactionStatus(c->pg) == PQTRANS_IDLE &&
        strstr(err->ptr + err0, "duplicate key value")) {
        /* another thread created it between our look and our create */
        xf_buf_setlen(err, err0);
        ret = 0;
    }
    xf_buf_release(&sql);
    return ret;
}

static int pg_list_relations(struct xf_conn *conn, const char *schema, struct xf_arena *a,
                             struct xf_relation **out, enum xf_relkind **kinds, size_t *n,
                             struct xf_buf *err)
{
    struct xf_postgres_conn *c = P(conn);
    *out = NULL;
    *kinds = NULL;
    *n = 0;
    schema = schema_of(c, schema);
    const char *v[1] = {schema};
    PGresult *r = params(c,
                         "select c.relname, c.relkind from pg_catalog.pg_class c "
                         "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
                         "where n.nspname = $1 and c.relkind in ('r', 'p', 'f', 'v', 'm') "
                         "order by c.relname",
                         1, v, err);
    if (!r)
        return -1;
    size_t nr = (size_t)PQntuples(r);
    *out = XF_ANEWN(a, struct xf_relation, nr ? nr : 1);
    *kinds = XF_ANEWN(a, enum xf_relkind, nr ? nr : 1);
    const char *db = xf_arena_strdup(a, c->dbname);
    const char *sch = xf_arena_strdup(a, schema);
    for (size_t i = 0; i < nr; i++) {
        (*out)[i] = (struct xf_relation){db, sch, xf_arena_strdup(a, PQgetvalue(r, (int)i, 0))};
        (*kinds)[i] = relkind_enum(PQgetvalue(r, (int)i, 1)[0]);
    }
    *n = nr;
    PQclear(r);
    return 0;
}

/* ---- atomic replacement -------------------------------------------- */

/*
 * `<name><suffix>`, kept within Postgres's 63-byte names: a long name is
 * cut (at a character boundary) and given a short digest so that two
 * long names sharing a prefix get different temporary names.
 */
static char *derived_name(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);
    struct xf_buf b = XF_BUF_INIT;
    if (n + s <= PG_MAX_IDENT) {
        xf_buf_adds(&b, name);
    } else {
        size_t keep = PG_MAX_IDENT - s - 9;
        while (keep > 0 && ((unsigned char)name[keep] & 0xC0) == 0x80)
            keep--;
        char hex[33];
        xf_md5_hex(hex, name, n);
        xf_buf_add(&b, name, keep);
        xf_buf_addf(&b, "_%.8s", hex);
    }
    xf_buf_adds(&b, suffix);
    return xf_buf_detach(&b, NULL);
}

static void rel_sql(struct xf_buf *out, const char *schema, const char *name)
{
    xf_adapter_quote_dq(out, schema);
    xf_buf_addch(out, '.');
    xf_adapter_quote_dq(out, name);
}

static int tx_open(struct xf_postgres_conn *c, bool *own, struct xf_buf *executed,
                   struct xf_buf *err)
{
    *own = PQtransactionStatus(c->pg) == PQTRANS_IDLE;
    return step_sql(c, *own ? "begin" : "savepoint xform_replace", NULL, executed, err);
}

static int tx_commit(struct xf_postgres_conn *c, bool own, struct xf_buf *executed,
                     struct xf_buf *err)
{
    return step_sql(c, own ? "commit" : "release savepoint xform_replace",
                    &(struct run_opts){.no_cancel = true}, executed, err);
}

static void tx_rollback(struct xf_postgres_conn *c, bool own, struct xf_buf *executed)
{
    struct xf_buf ignored = XF_BUF_INIT;
    const struct run_opts o = {.no_cancel = true};
    if (PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
        if (own) {
            step_sql(c, "rollback", &o, executed, &ignored);
        } else {
            step_sql(c, "rollback to savepoint xform_replace", &o, executed, &ignored);
            step_sql(c, "release savepoint xform_replace", &o, executed, &ignored);
        }
    }
    xf_buf_release(&ignored);
}

static int drop_if_there(struct xf_postgres_conn *c, const char *schema, const char *name,
                         struct xf_buf *executed, struct xf_buf *err)
{
    char k;
    if (relkind_of(c, schema, name, &k, err) < 0)
        return -1;
    if (!k)
        return 0;
    struct xf_buf sql = XF_BUF_INIT;
    xf_buf_addf(&sql, "drop %s if exists ", relkind_keyword(k));
    rel_sql(&sql, schema, name);
    xf_buf_adds(&sql, " cascade");
    int ret = step_sql(c, sql.ptr, NULL, executed, err);
    xf_buf_release(&sql);
    return ret;
}

struct names {
    char *tmp, *backup;
};

/* Opens the transaction and clears what a killed run may have left. */
static int prepare_build(struct xf_postgres_conn *c, const char *schema, const char *name,
                         struct names *nm, bool *own, struct xf_buf *executed, struct xf_buf *err)
{
    nm->tmp = derived_name(name, XF_TMP_SUFFIX);
    nm->backup = derived_name(name, XF_BACKUP_SUFFIX);
    if (tx_open(c, own, executed, err) < 0)
        return -1;
    if (drop_if_there(c, schema, nm->tmp, executed, err) < 0 ||
        drop_if_there(c, schema, nm->backup, executed, err) < 0)
        return -2; /* transaction open: roll back */
    return 0;
}

/* Inside the transaction: old -> backup, tmp -> name, drop backup. */
/*
 * Views (of other models, or the user's own) that select from schema.name,
 * directly or through other views, with their definitions, parents first.
 * Read BEFORE the swap: afterwards the definitions would name the backup.
 */
static PGresult *dependent_views(struct xf_postgres_conn *c, const char *schema, const char *name,
                                 struct xf_buf *err)
{
    static const char q[] =
        "with recursive deps(oid, depth) as ("
        " select r.ev_class, 1 from pg_catalog.pg_depend d"
        "  join pg_catalog.pg_rewrite r on r.oid = d.objid"
        "  where d.classid = 'pg_catalog.pg_rewrite'::regclass"
        "   and d.refobjid = (select cl.oid from pg_catalog.pg_class cl"
        "     join pg_catalog.pg_namespace ns on ns.oid = cl.relnamespace"
        "     where ns.nspname = $1 and cl.relname = $2)"
        "   and r.ev_class <> d.refobjid"
        " union"
        " select r.ev_class, deps.depth + 1 from deps"
        "  join pg_catalog.pg_depend d on d.refobjid = deps.oid"
        "  join pg_catalog.pg_rewrite r on r.oid = d.objid"
        "  where d.classid = 'pg_catalog.pg_rewrite'::regclass and r.ev_class <> deps.oid"
        "   and deps.depth < 32)"
        " select n.nspname, cl.relname, cl.relkind, pg_catalog.pg_get_viewdef(cl.oid),"
        /* what the view carries besides its definition: grants, comments, indexes */
        "  concat_ws(E';\\n',"
        "   (select string_agg(format('grant %s on %I.%I to %s', g.privilege_type, n.nspname,"
        "      cl.relname, case when g.grantee = 0 then 'public'"
        "      else quote_ident(pg_catalog.pg_get_userbyid(g.grantee)) end), E';\\n')"
        "    from pg_catalog.aclexplode(cl.relacl) g where g.grantee <> cl.relowner),"
        "   (select format('comment on %s %I.%I is %L', case cl.relkind when 'm' then"
        "      'materialized view' else 'view' end, n.nspname, cl.relname, ds.description)"
        "    from pg_catalog.pg_description ds where ds.objoid = cl.oid"
        "    and ds.classoid = 'pg_catalog.pg_class'::regclass and ds.objsubid = 0),"
        "   (select string_agg(format('comment on column %I.%I.%I is %L', n.nspname, cl.relname,"
        "      a.attname, ds.description), E';\\n') from pg_catalog.pg_description ds"
        "    join pg_catalog.pg_attribute a on a.attrelid = ds.objoid and a.attnum = ds.objsubid"
        "    where ds.objoid = cl.oid and ds.classoid = 'pg_catalog.pg_class'::regclass"
        "    and ds.objsubid > 0),"
        "   (select string_agg(pg_catalog.pg_get_indexdef(i.indexrelid), E';\\n')"
        "    from pg_catalog.pg_index i where i.indrelid = cl.oid))"
        " from (select oid, max(depth) as depth from deps group by oid) dd"
        " join pg_catalog.pg_class cl on cl.oid = dd.oid"
        " join pg_catalog.pg_namespace n on n.oid = cl.relnamespace"
        " where cl.relkind in ('v', 'm')"
        " order by dd.depth, 1, 2";
    const char *v[2] = {schema, name};
    return params(c, q, 2, v, err);
}

/*
 * Puts the dependent views back after the swap, each in a savepoint. One
 * that cannot be built over the new relation (a column it needs is gone)
 * stays dropped, as in dbt, and is named in `executed`.
 */
static void restore_views(struct xf_postgres_conn *c, PGresult *views, struct xf_buf *executed)
{
    struct xf_buf sql = XF_BUF_INIT, ignore = XF_BUF_INIT;
    for (int i = 0; i < PQntuples(views); i++) {
        const char *vs = PQgetvalue(views, i, 0), *vn = PQgetvalue(views, i, 1);
        bool mat = PQgetvalue(views, i, 2)[0] == 'm';
        xf_buf_reset(&sql);
        xf_buf_adds(&sql, "savepoint xform_view");
        run(c, sql.ptr, NULL, NULL, NULL, &ignore);
        xf_buf_reset(&sql);
        xf_buf_addf(&sql, "create %s ", mat ? "materialized view" : "view");
        rel_sql(&sql, vs, vn);
        xf_buf_addf(&sql, " as %s", PQgetvalue(views, i, 3));
        xf_buf_reset(&ignore);
        const char *extras = PQgetvalue(views, i, 4);
        if (step_sql(c, sql.ptr, NULL, executed, &ignore) < 0) {
            run(c, "rollback to savepoint xform_view", NULL, NULL, NULL, &ignore);
            xf_buf_addf(executed,
                        "-- view %s.%s depended on the old relation and could not be "
                        "recreated over the new one, so it was dropped: %s\n",
                        vs, vn, ignore.ptr);
        } else if (*extras) {
            /* its grants, comments and indexes, as it had them; a failure keeps the view */
            run(c, "savepoint xform_view_extras", NULL, NULL, NULL, &ignore);
            xf_buf_reset(&ignore);
            if (step_sql(c, extras, NULL, executed, &ignore) < 0) {
                run(c, "rollback to savepoint xform_view_extras", NULL, NULL, NULL, &ignore);
                xf_buf_addf(executed,
                            "-- view %s.%s was recreated without its grants, comments or "
                            "indexes: %s\n",
                            vs, vn, ignore.ptr);
            }
            run(c, "release savepoint xform_view_extras", NULL, NULL, NULL, &ignore);
        }
        run(c, "release savepoint xform_view", NULL, NULL, NULL, &ignore);
    }
    xf_buf_release(&sql);
    xf_buf_release(&ignore);
}

static int swap_in(struct xf_postgres_conn *c, const char *schema, const char *name,
                   const struct names *nm, enum xf_relkind kind, struct xf_buf *executed,
                   struct xf_buf *err)
{
    char old;
    if (relkind_of(c, schema, name, &old, err) < 0)
        return -1;
    struct xf_buf sql = XF_BUF_INIT;
    int ret = -1;
    PGresult *views = NULL;
    /*
     * Swaps run one at a time across xform's connections (a transaction
     * advisory lock, released at commit): replacing a relation drops and
     * re-creates the views that read it, and two threads doing that for
     * two tables one view reads would otherwise deadlock. The slow part,
     * building the new relation, ran before this point in parallel.
     */
    if (old && step_sql(c, "select pg_advisory_xact_lock(7867212390001)", NULL, NULL, err) < 0)
        goto done;
    if (old && !(views = dependent_views(c, schema, name, err)))
        goto done;
    if (old) {
        xf_buf_addf(&sql, "alter %s ", relkind_keyword(old));
        rel_sql(&sql, schema, name);
        xf_buf_adds(&sql, " rename to ");
        xf_adapter_quote_dq(&sql, nm->backup);
        if (step_sql(c, sql.ptr, NULL, executed, err) < 0)
            goto done;
    }
    xf_buf_reset(&sql);
    xf_buf_addf(&sql, "alter %s ", kind == XF_REL_VIEW ? "view" : "table");
    rel_sql(&sql, schema, nm->tmp);
    xf_buf_adds(&sql, " rename to ");
    xf_adapter_quote_dq(&sql, name);
    if (step_sql(c, sql.ptr, NULL, executed, err) < 0)
        goto done;
    if (old) {
        xf_buf_reset(&sql);
        xf_buf_addf(&sql, "drop %s ", relkind_keyword(old));
        rel_sql(&sql, schema, nm->backup);
        xf_buf_adds(&sql, " cascade");
        if (step_sql(c, sql.ptr, NULL, executed, err) < 0)
            goto done;
        restore_views(c, views, executed);
    }
    ret = 0;
done:
    PQclear(views);
    xf_buf_release(&sql);
    return ret;
}

static int pg_replace_relation(struct xf_conn *conn, const struct xf_relation *r,
                               enum xf_relkind kind, const char *select_sql,
                               const struct xf_create_sql *create,
                               const struct xf_commit_hook *hook, struct xf_buf *executed,
                               struct xf_buf *err)
{
    struct xf_postgres_conn *c = P(conn);
    const char *schema = schema_of(c, r->schema);
    const char *name = r->identifier;
    struct names nm = {0};
    bool own = false;
    int ret = -1;
    struct xf_buf sql = XF_BUF_INIT;

    int p = prepare_build(c, schema, name, &nm, &own, executed, err);
    if (p == -1)
        goto done;
    if (p < 0)
        goto fail;
    struct xf_str body = xf_adapter_trim_sql(select_sql);
    size_t at = 0;
    const char *loc_text = select_sql;
    if (create) { /* the engine's macro (get_create_table_as_sql ...; unlogged is there) */
        const struct xf_relation tmp = {NULL, schema, nm.tmp};
        if (create->render(create->user, &sql, &tmp, kind, body, err) < 0)
            goto fail;
        const char *hit = body.len ? memmem(sql.ptr, sql.len, body.p, body.len) : NULL;
        at = hit ? (size_t)(hit - sql.ptr) : 0;
        loc_text = hit ? select_sql : NULL; /* positions map into the model where kept whole */
    } else { /* no node's macros (clone's views): unlogged is postgres__create_table_as's */
        xf_buf_addf(&sql, "create %s ", kind == XF_REL_VIEW ? "view" : "table");
        rel_sql(&sql, schema, nm.tmp);
        xf_buf_adds(&sql, " as (\n");
        at = sql.len;
        xf_buf_addstr(&sql, body);
        xf_buf_adds(&sql, "\n)");
    }
    if (step_sql(c, sql.ptr, &(struct run_opts){.loc_text = loc_text, .loc_off = at}, executed,
                 err) < 0)
        goto fail;
    if (swap_in(c, schema, name, &nm, kind, executed, err) < 0)
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
    free(nm.tmp);
    free(nm.backup);
    xf_buf_release(&sql);
    return ret;
}

static int pg_drop_relation(struct xf_conn *conn, const struct xf_relation *r, struct xf_buf *err)
{
    struct xf_postgres_conn *c = P(conn);
    return drop_if_there(c, schema_of(c, r->schema), r->identifier, NULL, err);
}

/* ---- seeds --------------------------------------------------------- */

static bool is_text_type(const char *type)
{
    return strcasestr(type, "char") || strcasestr(type, "text") || strcasestr(type, "json") ||
           strcasestr(type, "citext");
}

/* One CSV field for COPY: NULL is an empty unquoted field, anything else is quoted. */
static void copy_field(struct xf_buf *b, struct xf_str v, bool text)
{
    if (!v.p || (v.len == 0 && !text))
        return;
    xf_buf_addch(b, '"');
    const char *p = v.p, *end = v.p + v.len;
    while (p < end) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        if (!q) {
            xf_buf_add(b, p, (size_t)(end - p));
            break;
        }
        xf_buf_add(b, p, (size_t)(q - p) + 1);
        xf_buf_addch(b, '"');
        p = q + 1;
    }
    xf_buf_addch(b, '"');
}

/* Streams the rows; the COPY is open. On error the COPY is ended and drained. */
static int copy_rows(struct xf_postgres_conn *c, const struct xf_csv *csv, const bool *text,
                     const char *copy_sql, struct xf_buf *err)
{
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_grow(&b, COPY_CHUNK + 4096);
    const char *abort_msg = NULL;
    for (size_t row = 0; row < csv->nrows && !abort_msg; row++) {
        const struct xf_str *cells = csv->cells + row * csv->ncols;
        for (size_t i = 0; i < csv->ncols; i++) {
            if (i)
                xf_buf_addch(&b, ',');
            copy_field(&b, cells[i], text[i]);
        }
        xf_buf_addch(&b, '\n');
        if (b.len >= COPY_CHUNK || row + 1 == csv->nrows) {
            if (PQputCopyData(c->pg, b.ptr, (int)b.len) != 1)
                break; /* the connection's error is reported below */
            xf_buf_reset(&b);
        }
        if ((row & 1023) == 1023 && atomic_load(&c->cancelled))
            abort_msg = "canceling statement due to user request";
    }
    xf_buf_release(&b);
    int ret = 0;
    if (PQputCopyEnd(c->pg, abort_msg) != 1) {
        add_clean(err, PQerrorMessage(c->pg));
        ret = -1;
    }
    PGresult *r;
    bool reported = ret < 0;
    while ((r = PQgetResult(c->pg))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && !reported) {
            if (abort_msg || is_cancel_error(r))
                take_cancel(c);
            result_error(c, r, copy_sql, &(struct run_opts){.context = true}, err);
            reported = true;
            ret = -1;
        }
        PQclear(r);
    }
    return ret;
}

static int pg_load_seed(struct xf_conn *conn, const struct xf_relation *r, const struct xf_csv *csv,
                        const char *const *column_types, const struct xf_commit_hook *hook,
                        struct xf_buf *executed, struct xf_buf *err)
{
    struct xf_postgres_conn *c = P(conn);
    const char *schema = schema_of(c, r->schema);
    const char *name = r->identifier;
    if (csv->ncols == 0) {
        xf_buf_addf(err, "seed '%s' has no columns: add a header row to the CSV file", name);
        return -1;
    }
    struct names nm = {0};
    bool own = false;
    int ret = -1;
    struct xf_buf sql = XF_BUF_INIT, cols = XF_BUF_INIT;
    bool *text = xf_calloc(csv->ncols, sizeof *text);

    int p = prepare_build(c, schema, name, &nm, &own, executed, err);
    if (p == -1)
        goto done;
    if (p < 0)
        goto fail;

    xf_buf_adds(&sql, "create table ");
    rel_sql(&sql, schema, nm.tmp);
    xf_buf_adds(&sql, " (");
    for (size_t i = 0; i < csv->ncols; i++) {
        const char *type =
            column_types && column_types[i] ? column_types[i] : pg_type_name(csv->types[i]);
        text[i] = is_text_type(type);
        if (i) {
            xf_buf_adds(&sql, ", ");
            xf_buf_adds(&cols, ", ");
        }
        xf_adapter_quote_dqn(&sql, csv->header[i].p, csv->header[i].len);
        xf_adapter_quote_dqn(&cols, csv->header[i].p, csv->header[i].len);
        xf_buf_addch(&sql, ' ');
        xf_buf_adds(&sql, type);
    }
    xf_buf_addch(&sql, ')');
    if (step_sql(c, sql.ptr, NULL, executed, err) < 0)
        goto fail;

    xf_buf_reset(&sql);
    xf_buf_adds(&sql, "copy ");
    rel_sql(&sql, schema, nm.tmp);
    xf_buf_addf(&sql, " (%s) from stdin with (format csv)", cols.ptr);
    if (executed)
        xf_buf_addf(executed, "%s; -- %zu rows\n", sql.ptr, csv->nrows);
    if (take_cancel(c)) {
        xf_buf_adds(err, "canceling statement due to user request");
        goto fail;
    }
    PGresult *res = PQexec(c->pg, sql.ptr);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        result_error(c, res, sql.ptr, NULL, err);
        PQclear(res);
        goto fail;
    }
    PQclear(res);
    if (copy_rows(c, csv, text, sql.ptr, err) < 0)
        goto fail;
    if (swap_in(c, schema, name, &nm, XF_REL_TABLE, executed, err) < 0)
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
    free(text);
    free(nm.tmp);
    free(nm.backup);
    xf_buf_release(&sql);
    xf_buf_release(&cols);
    return ret;
}

/* ---- contracts ----------------------------------------------------- */

/*
 * The columns of a query as Postgres describes them: the query wrapped in
 * `limit 0` (nothing is read), each field's type oid and modifier turned
 * into its name by format_type().
 */
static int pg_describe(struct xf_conn *conn, const char *select_sql, struct xf_arena *a,
                       struct xf_column_info **out, size_t *n, struct xf_buf *err)
{
    struct xf_postgres_conn *c = P(conn);
    *out = NULL;
    *n = 0;
    struct xf_buf sql = XF_BUF_INIT;
    xf_buf_adds(&sql, "select * from (\n");
    size_t at = sql.len;
    struct xf_str body = xf_adapter_trim_sql(select_sql);
    xf_buf_addstr(&sql, body);
    xf_buf_adds(&sql, "\n) as model_limit_subq limit 0");
    PGresult *r = PQexec(c->pg, sql.ptr);
    int ret = -1;
    PGresult *t = NULL;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        result_error(c, r, sql.ptr, &(struct run_opts){.loc_text = select_sql, .loc_off = at}, err);
        goto done;
    }
    size_t nf = (size_t)PQnfields(r);
    *out = XF_ANEWN(a, struct xf_column_info, nf ? nf : 1);
    xf_buf_reset(&sql);
    xf_buf_adds(&sql, "select ");
    for (size_t i = 0; i < nf; i++)
        xf_buf_addf(&sql, "%spg_catalog.format_type(%u, %d)", i ? ", " : "",
                    (unsigned)PQftype(r, (int)i), PQfmod(r, (int)i));
    if (nf) {
        t = PQexec(c->pg, sql.ptr);
        if (PQresultStatus(t) != PGRES_TUPLES_OK || PQntuples(t) != 1) {
            result_error(c, t, sql.ptr, NULL, err);
            goto done;
        }
    }
    for (size_t i = 0; i < nf; i++)
        (*out)[i] = (struct xf_column_info){
            .name = xf_arena_strdup(a, PQfname(r, (int)i)),
            .data_type = xf_arena_strdup(a, PQgetvalue(t, 0, (int)i)),
            .position = (int)i + 1,
        };
    *n = nf;
    ret = 0;
done:
    PQclear(t);
    PQclear(r);
    xf_buf_release(&sql);
    return ret;
}

/*
 * A type name in one spelling: lower case, single spaces, no size,
 * precision or scale (dbt compares contracts without them), and each of
 * Postgres' aliases as the name format_type() gives.
 */
static void canon_type(char *out, size_t cap, const char *t)
{
    size_t o = 0;
    bool space = false;
    int depth = 0;
    for (const char *p = t; *p && o + 1 < cap; p++) {
        char ch = (char)tolower((unsigned char)*p);
        if (ch == '(') {
            depth++;
            continue;
        }
        if (ch == ')') {
            depth--;
            continue;
        }
        if (depth > 0 || ch == '"')
            continue;
        if (ch == ' ' || ch == '\t' || ch == '\n') {
            space = o > 0;
            continue;
        }
        if (space && o + 2 < cap && ch != '[')
            out[o++] = ' ';
        space = false;
        out[o++] = ch;
    }
    out[o] = 0;
    static const char *const alias[][2] = {
        {"int", "integer"},
        {"int4", "integer"},
        {"serial", "integer"},
        {"int8", "bigint"},
        {"bigserial", "bigint"},
        {"int2", "smallint"},
        {"smallserial", "smallint"},
        {"float", "double precision"},
        {"float8", "double precision"},
        {"float4", "real"},
        {"decimal", "numeric"},
        {"bool", "boolean"},
        {"varchar", "text"},
        {"character varying", "text"},
        {"char", "character"},
        {"bpchar", "character"},
        {"timestamp without time zone", "timestamp"},
        {"timestamptz", "timestamp with time zone"},
        {"time without time zone", "time"},
        {"timetz", "time with time zone"},
    };
    size_t len = strlen(out);
    size_t arr = 0; /* keep a trailing [] */
    while (len >= 2 && out[len - 2] == '[' && out[len - 1] == ']') {
        len -= 2;
        arr++;
    }
    char base[128];
    snprintf(base, sizeof base, "%.*s", (int)len, out);
    for (size_t i = 0; i < sizeof alias / sizeof *alias; i++)
        if (!strcmp(base, alias[i][0])) {
            snprintf(base, sizeof base, "%s", alias[i][1]);
            break;
        }
    o = (size_t)snprintf(out, cap, "%s", base);
    for (size_t i = 0; i < arr && o + 2 < cap; i++, o += 2)
        memcpy(out + o, "[]", 3);
}

static bool pg_type_matches(const char *declared, const char *actual)
{
    char d[160], a[160];
    canon_type(d, sizeof d, declared);
    canon_type(a, sizeof a, actual);
    return !strcmp(d, a);
}

static int pg_replace_table_ddl(struct xf_conn *conn, const struct xf_relation *r,
                                const char *columns_ddl, const char *column_list,
                                const char *select_sql, const struct xf_commit_hook *hook,
                                struct xf_buf *executed, struct xf_buf *err)
{
    struct xf_postgres_conn *c = P(conn);
    const char *schema = schema_of(c, r->schema);
    const char *name = r->identifier;
    struct names nm = {0};
    bool own = false;
    int ret = -1;
    struct xf_buf sql = XF_BUF_INIT;

    int p = prepare_build(c, schema, name, &nm, &own, executed, err);
    if (p == -1)
        goto done;
    if (p < 0)
        goto fail;
    xf_buf_adds(&sql, conn->node.unlogged ? "create unlogged table " : "create table ");
    rel_sql(&sql, schema, nm.tmp);
    xf_buf_addf(&sql, " %s", columns_ddl);
    if (step_sql(c, sql.ptr, NULL, executed, err) < 0)
        goto fail;
    xf_buf_reset(&sql);
    xf_buf_adds(&sql, "insert into ");
    rel_sql(&sql, schema, nm.tmp);
    xf_buf_addf(&sql, " (%s)\nselect %s from (\n", column_list, column_list);
    size_t at = sql.len;
    xf_buf_addstr(&sql, xf_adapter_trim_sql(select_sql));
    xf_buf_adds(&sql, "\n) as model_subq");
    if (step_sql(c, sql.ptr, &(struct run_opts){.loc_text = select_sql, .loc_off = at}, executed,
                 err) < 0)
        goto fail;
    if (swap_in(c, schema, name, &nm, XF_REL_TABLE, executed, err) < 0)
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
    free(nm.tmp);
    free(nm.backup);
    xf_buf_release(&sql);
    return ret;
}

const struct xf_adapter_ops xf_postgres_ops = {
    /* an untyped literal takes the column's type: date, timestamp, timestamptz (as UTC) */
    .event_time_literal_suffix = "+00:00",
    .name = "postgres",
    .macros_sql = xf_postgres_macros_sql,
    .single_writer = false,
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .exec = pg_exec,
    .query = pg_query,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .cancel = pg_cancel,
    .relation_kind = pg_relation_kind,
    .columns = pg_columns,
    .ensure_schema = pg_ensure_schema,
    .list_relations = pg_list_relations,
    .quote = pg_quote,
    .render_relation = pg_render_relation,
    .type_name = pg_type_name,
    .replace_relation = pg_replace_relation,
    .load_seed = pg_load_seed,
    .drop_relation = pg_drop_relation,
    .describe = pg_describe,
    .type_matches = pg_type_matches,
    .replace_table_ddl = pg_replace_table_ddl,
    .catalog_sql = "SELECT c.relname AS table_name, "
                   "CASE WHEN c.relkind IN ('v', 'm') THEN 'VIEW' ELSE 'BASE TABLE' END "
                   "AS table_type, a.attname AS column_name, a.attnum AS column_index, "
                   "pg_catalog.format_type(a.atttypid, a.atttypmod) AS column_type, "
                   "pg_catalog.pg_get_userbyid(c.relowner) AS table_owner, "
                   "pg_catalog.obj_description(c.oid, 'pg_class') AS table_comment, "
                   "pg_catalog.col_description(c.oid, a.attnum) AS column_comment "
                   "FROM pg_catalog.pg_class c "
                   "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                   "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid "
                   "AND a.attnum > 0 AND NOT a.attisdropped "
                   "WHERE n.nspname = %s AND c.relkind IN ('r', 'v', 'm', 'p', 'f') "
                   "ORDER BY c.relname, a.attnum",
    .unquoted_case = 'l',
    .database_names = true,
    .show_grants = xf_pg_show_grants,
    .grant = xf_pg_grant,
    .comment = xf_pg_comment,
    .create_index = xf_pg_create_index,
    .materialized_view = xf_pg_materialized_view,
};
