// SPDX-License-Identifier: MIT
/*
 * The log file: every console event of every command, plus debug lines
 * (the SQL each node executed, timings, the target), written to
 * logs/xform.log at debug level as dbt writes logs/dbt.log; rotated by
 * size (10 MB, five old files), and scrubbed of passwords and secrets
 * before anything reaches the disk. Lines wait in memory until the folder
 * is known (after the project is loaded, for its `log-path:`).
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <errno.h>
#include <jansson.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "artifacts/junit.h"
#include "cmd/cli.h"
#include "util/path.h"

#define LOG_FILE "xform.log"
#define LOG_MAX_BYTES (10LL * 1024 * 1024) /* dbt's log_file_max_bytes */
#define LOG_BACKUPS 5                      /* xform.log.1 ... xform.log.5 */
#define MASK "*****"

extern char **environ;

struct xf_logfile {
    pthread_mutex_t mu;
    int level;                /* lowest level written to the file */
    bool json;                /* --log-format-file json */
    const char *dir;          /* from --log-path or the environment; NULL: the project's */
    char *path;               /* once known */
    FILE *f;                  /* once open */
    bool failed;              /* could not open: warned once, nothing more written */
    bool attached;            /* the project said where (or finish did) */
    char *root, *project_log; /* a project that was loaded but not opened (clean) */
    char *invocation_id;      /* a copy: the session that owns it is gone by the last line */
    long long size, max_bytes;
    struct xf_buf pending; /* lines before the file is open */
    XF_VEC(char *) secrets;
    pcre2_code *keyed, *uri; /* password=..., "password": ..., scheme://user:pw@ */
    pcre2_match_data *md;
    double t0;
};

static const char *const level_names[] = {"debug", "info", "warn", "error", "none"};

int xf_log_level(const char *name)
{
    for (int i = 0; i < 5; i++)
        if (!strcmp(name, level_names[i]))
            return i;
    if (!strcmp(name, "warning"))
        return XF_LOG_WARN;
    return -1;
}

/* The flag's value, or the environment variable's when the flag is absent. */
static const char *flag_or_env(const char *flag, const char *env)
{
    if (flag)
        return flag;
    const char *v = getenv(env);
    return v && *v ? v : NULL;
}

static void add_secret(struct xf_logfile *l, const char *s)
{
    if (!s || !*s)
        return;
    for (size_t i = 0; i < l->secrets.n; i++)
        if (!strcmp(l->secrets.v[i], s))
            return;
    xf_vec_push(&l->secrets, xf_strdup(s));
}

static pcre2_code *compile(const char *pattern)
{
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_CASELESS, &ec, &eo, NULL);
    if (re)
        pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* every line is scanned: worth it */
    return re;
}

int xf_logfile_start(struct xf_cli *cli)
{
    const char *lvl = flag_or_env(cli->log_level, "DBT_LOG_LEVEL");
    const char *flvl = flag_or_env(cli->log_level_file, "DBT_LOG_LEVEL_FILE");
    const char *ffmt = flag_or_env(cli->log_format_file, "DBT_LOG_FORMAT_FILE");
    const char *dbg = getenv("DBT_DEBUG");
    cli->console_level = XF_LOG_INFO;
    if (lvl && (cli->console_level = xf_log_level(lvl)) < 0) {
        fprintf(stderr, "error: --log-level must be debug, info, warn, error or none, not '%s'\n",
                lvl);
        return -1;
    }
    if (cli->debug || (dbg && (!strcmp(dbg, "1") || !strcasecmp(dbg, "true"))))
        cli->console_level = XF_LOG_DEBUG;
    int file_level = XF_LOG_DEBUG;
    if (flvl && (file_level = xf_log_level(flvl)) < 0) {
        fprintf(stderr,
                "error: --log-level-file must be debug, info, warn, error or none, not '%s'\n",
                flvl);
        return -1;
    }
    if (ffmt && strcmp(ffmt, "text") && strcmp(ffmt, "default") && strcmp(ffmt, "debug") &&
        strcmp(ffmt, "json")) {
        fprintf(stderr, "error: --log-format-file must be text, default, debug or json, not '%s'\n",
                ffmt);
        return -1;
    }
    long long max = LOG_MAX_BYTES;
    const char *mb = flag_or_env(cli->log_file_max_bytes, "DBT_LOG_FILE_MAX_BYTES");
    if (mb) {
        char *end;
        errno = 0;
        max = strtoll(mb, &end, 10);
        if (errno || *end || end == mb || max < 0) {
            fprintf(stderr, "error: --log-file-max-bytes needs a whole number of bytes, not '%s'\n",
                    mb);
            fprintf(stderr, "  hint: 0 never rotates the log file\n");
            return -1;
        }
    }
    if (file_level == XF_LOG_NONE)
        return 0; /* no log file at all, as dbt's --log-level-file none */
    struct xf_logfile *l = xf_calloc(1, sizeof *l);
    pthread_mutex_init(&l->mu, NULL);
    l->level = file_level;
    l->json = ffmt && !strcmp(ffmt, "json");
    l->max_bytes = max;
    l->dir = flag_or_env(cli->log_path, "XFORM_LOG_PATH");
    if (!l->dir)
        l->dir = flag_or_env(NULL, "DBT_LOG_PATH");
    l->t0 = xf_cli_now();
    xf_buf_init(&l->pending, 0);
    /* Secrets known before any profile is read: dbt's DBT_ENV_SECRET_*, libpq's PGPASSWORD. */
    for (char **e = environ; *e; e++) {
        const char *eq = strchr(*e, '=');
        if (eq && (!strncmp(*e, "DBT_ENV_SECRET_", 15) || !strncmp(*e, "PGPASSWORD=", 11)))
            add_secret(l, eq + 1);
    }
    l->keyed = compile("((?:password|passwd|secret|token)\\w*[\"']?\\s*[:=]\\s*[\"']?)"
                       "[^\\s\"',;}&]+");
    l->uri = compile("(://[^:/@\\s]+:)[^@\\s/]+@");
    l->md = pcre2_match_data_create(4, NULL);
    cli->logfile = l;
    cli->json_data = cli->json_data || l->json;
    struct xf_buf b = XF_BUF_INIT;
    for (int i = 0; i < cli->argc; i++)
        xf_buf_addf(&b, "%s%s", i ? " " : "", cli->argv[i]);
    xf_console_debug(cli, "MainReportArgs", "A002", "running xform=%s in %s: %s", XF_VERSION,
                     cli->project_dir ? cli->project_dir : ".", b.ptr);
    xf_buf_release(&b);
    return 0;
}

/* Every secret value and every password-looking key's value, replaced by *****. */
static void scrub(struct xf_logfile *l, struct xf_buf *b)
{
    for (size_t i = 0; i < l->secrets.n; i++) {
        const char *s = l->secrets.v[i];
        size_t sl = strlen(s);
        char *hit;
        size_t from = 0;
        while (from < b->len && (hit = strstr(b->ptr + from, s))) {
            size_t at = (size_t)(hit - b->ptr);
            struct xf_buf o = XF_BUF_INIT;
            xf_buf_add(&o, b->ptr, at);
            xf_buf_adds(&o, MASK);
            xf_buf_adds(&o, b->ptr + at + sl);
            xf_buf_release(b);
            *b = o;
            from = at + strlen(MASK);
        }
    }
    pcre2_code *res[] = {l->keyed, l->uri};
    const char *repl[] = {"$1" MASK, "$1" MASK "@"};
    /* PCRE2's JIT reads a few bytes past the subject's end (within the
     * allocation): make them defined, or valgrind reports every log line */
    xf_buf_grow(b, 32);
    memset(b->ptr + b->len, 0, 32);
    for (int k = 0; k < 2; k++) {
        if (!res[k] || !b->len)
            continue;
        /* most lines hold nothing to scrub: match first, substitute only then */
        if (pcre2_match(res[k], (PCRE2_SPTR)b->ptr, b->len, 0, 0, l->md, NULL) < 0)
            continue;
        PCRE2_SIZE outlen = b->len * 2 + 64;
        for (int tries = 0; tries < 4; tries++) {
            PCRE2_UCHAR *out = xf_malloc(outlen + 1);
            PCRE2_SIZE got = outlen + 1;
            int rc =
                pcre2_substitute(res[k], (PCRE2_SPTR)b->ptr, b->len, 0,
                                 PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH, l->md,
                                 NULL, (PCRE2_SPTR)repl[k], PCRE2_ZERO_TERMINATED, out, &got);
            if (rc > 0) {
                xf_buf_reset(b);
                xf_buf_add(b, (const char *)out, got);
            }
            free(out);
            if (rc != PCRE2_ERROR_NOMEMORY)
                break;
            outlen = got;
        }
    }
}

/* xform.log.4 -> .5, ..., xform.log -> .1: dbt's RotatingFileHandler. */
static void rotate(struct xf_logfile *l)
{
    if (l->f)
        fclose(l->f);
    l->f = NULL;
    size_t n = strlen(l->path) + 8;
    char *from = xf_malloc(n), *to = xf_malloc(n);
    for (int i = LOG_BACKUPS - 1; i >= 1; i--) {
        snprintf(from, n, "%s.%d", l->path, i);
        snprintf(to, n, "%s.%d", l->path, i + 1);
        rename(from, to); /* a missing one is no matter */
    }
    snprintf(to, n, "%s.1", l->path);
    rename(l->path, to);
    free(from);
    free(to);
    l->f = fopen(l->path, "a");
    l->size = 0;
    if (!l->f)
        l->failed = true;
}

/* Called with the lock held. */
static void put(struct xf_logfile *l, const char *line, size_t len)
{
    if (l->failed)
        return;
    if (!l->f) {
        xf_buf_add(&l->pending, line, len);
        return;
    }
    if (l->max_bytes > 0 && l->size > 0 && l->size + (long long)len > l->max_bytes)
        rotate(l);
    if (!l->f)
        return;
    if (fwrite(line, 1, len, l->f) == len)
        l->size += (long long)len;
    fflush(l->f); /* `tail -f logs/xform.log` follows a long run */
}

/* "10:15:42.123456" (local time, as the console's stamp). */
static void clock_stamp(char out[32], double t)
{
    time_t sec = (time_t)t;
    struct tm tm;
    localtime_r(&sec, &tm);
    long us = (long)((t - (double)sec) * 1e6);
    snprintf(out, 32, "%02d:%02d:%02d.%06ld", tm.tm_hour, tm.tm_min, tm.tm_sec,
             us < 0        ? 0
             : us > 999999 ? 999999
                           : us);
}

static json_t *jstr(const char *s)
{
    json_t *j = json_string(s ? s : "");
    if (j)
        return j;
    struct xf_buf b = XF_BUF_INIT;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        xf_buf_addch(&b, *p < 0x80 ? (char)*p : '?');
    j = json_string(b.ptr);
    xf_buf_release(&b);
    return j;
}

void xf_logfile_event(const struct xf_cli *cli, const char *name, const char *code,
                      const char *level, const json_t *data, const char *msg)
{
    struct xf_logfile *l = cli->logfile;
    if (!l)
        return;
    int lv = xf_log_level(level);
    if (lv < 0)
        lv = XF_LOG_INFO;
    if (lv < l->level)
        return;
    pthread_mutex_lock(&l->mu);
    struct xf_buf m = XF_BUF_INIT, line = XF_BUF_INIT;
    /* the console's colours stay on the console */
    for (const char *c = msg ? msg : ""; *c; c++) {
        if (*c == '\033' && c[1] == '[') {
            const char *e = c + 2;
            while ((*e >= '0' && *e <= '9') || *e == ';')
                e++;
            if (*e == 'm') {
                c = e;
                continue;
            }
        }
        xf_buf_addch(&m, *c);
    }
    scrub(l, &m);
    double now = xf_cli_now();
    if (l->json) {
        /* the console's --log-format json shape, one object a line */
        struct timeval tv;
        gettimeofday(&tv, NULL);
        time_t sec = tv.tv_sec;
        struct tm tm;
        gmtime_r(&sec, &tm);
        char ts[64];
        snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)tv.tv_usec);
        json_t *info = json_pack("{s:s, s:s, s:o, s:o, s:s, s:o, s:s, s:I, s:s, s:s}", "category",
                                 "", "code", code ? code : "", "extra", json_object(),
                                 "invocation_id", jstr(cli->invocation_id), "level",
                                 level_names[lv], "msg", jstr(m.ptr), "name", name ? name : "Note",
                                 "pid", (json_int_t)getpid(), "thread", "MainThread", "ts", ts);
        json_t *o = json_object();
        json_object_set_new(o, "data", data ? json_deep_copy(data) : json_object());
        json_object_set_new(o, "info", info);
        char *s = json_dumps(o, JSON_SORT_KEYS);
        json_decref(o);
        if (s) {
            xf_buf_adds(&line, s);
            free(s);
        }
        scrub(l, &line); /* what `data` carries too */
        xf_buf_addch(&line, '\n');
    } else {
        char st[32];
        clock_stamp(st, now);
        xf_buf_addf(&line, "%s [%-5s] [MainThread]: %s\n", st, level_names[lv], m.ptr);
    }
    put(l, line.ptr, line.len);
    xf_buf_release(&m);
    xf_buf_release(&line);
    pthread_mutex_unlock(&l->mu);
}

void xf_console_debug(const struct xf_cli *cli, const char *name, const char *code, const char *fmt,
                      ...)
{
    if (!cli->logfile && cli->console_level > XF_LOG_DEBUG)
        return;
    va_list ap;
    va_start(ap, fmt);
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    xf_console_emit(cli, name ? name : "Note", code ? code : "Z050", "debug", NULL, b.ptr);
    xf_buf_release(&b);
}

/* dbt's header line: a run starts here in a file that holds many. */
static void header(struct xf_cli *cli)
{
    struct xf_logfile *l = cli->logfile;
    if (l->json)
        return;
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    char when[64];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    char line[256];
    int n = snprintf(line, sizeof line,
                     "\n============================== %s | %s ==============================\n",
                     when, cli->invocation_id ? cli->invocation_id : "-");
    if (n > 0)
        put(l, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* Opens the file in `dir` (relative: to the project folder) and writes what waited. */
static void open_in(struct xf_cli *cli, const char *root, const char *dir)
{
    struct xf_logfile *l = cli->logfile;
    struct xf_arena a;
    xf_arena_init(&a);
    char *d = xf_path_join(&a, root, dir);
    l->path = xf_strdup(xf_path_join(&a, d, LOG_FILE));
    int e = xf_mkdirs(d);
    struct stat st;
    if (e == 0 && stat(l->path, &st) == 0)
        l->size = (long long)st.st_size;
    l->f = e == 0 ? fopen(l->path, "a") : NULL;
    if (!l->f) {
        l->failed = true;
        fprintf(stderr, "warning: could not open the log file %s: %s\n", l->path,
                strerror(e ? -e : errno));
    } else {
        if (l->max_bytes > 0 && l->size > 0 && l->size >= l->max_bytes)
            rotate(l);
        header(cli);
        struct xf_buf p = l->pending;
        xf_buf_init(&l->pending, 0);
        put(l, p.ptr, p.len);
        xf_buf_release(&p);
    }
    xf_arena_release(&a);
}

/* Words of a target setting whose value is a secret (as `xform debug` hides them). */
static bool secret_key(struct xf_str k)
{
    static const char *const words[] = {"password",    "pass",         "secret",       "token",
                                        "private_key", "keyfile_json", "client_secret"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (xf_str_eqc(k, words[i]))
            return true;
    return xf_str_ends(k, "_password") || xf_str_ends(k, "_secret") || xf_str_ends(k, "_token");
}

void xf_logfile_attach(struct xf_cli *cli, const struct xf_project *p, bool open_now)
{
    struct xf_logfile *l = cli->logfile;
    if (!l || !p)
        return;
    pthread_mutex_lock(&l->mu);
    if (cli->invocation_id && !l->invocation_id)
        l->invocation_id = xf_strdup(cli->invocation_id);
    const struct xf_target *t = &p->target;
    if (t->settings.t == XF_V_DICT) {
        for (size_t i = 0; i < t->settings.u.d->n; i++) {
            const struct xf_dict_ent *e = &t->settings.u.d->ents[i];
            if (secret_key(e->key) && e->val.t == XF_V_STR) {
                char *s = xf_strndup(e->val.u.s.p, e->val.u.s.len);
                add_secret(l, s);
                free(s);
            }
        }
    }
    if (!open_now && !l->root) {
        l->root = xf_strdup(p->root);
        l->project_log = p->log_path ? xf_strdup(p->log_path) : NULL;
    }
    bool was = l->attached;
    if (open_now && !l->attached && !l->f && !l->failed) {
        l->attached = true;
        open_in(cli, p->root, l->dir ? l->dir : p->log_path ? p->log_path : "logs");
    }
    pthread_mutex_unlock(&l->mu);
    if (was || !l->attached)
        return;
    /* the rendered target: every setting, secrets scrubbed on the way out */
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_addf(&b, "target: %s (%s), schema %s", t->name ? t->name : "embedded default",
                t->type ? t->type : "?", t->schema ? t->schema : "?");
    if (t->settings.t == XF_V_DICT) {
        for (size_t i = 0; i < t->settings.u.d->n; i++) {
            const struct xf_dict_ent *e = &t->settings.u.d->ents[i];
            xf_buf_addf(&b, ", %.*s=", XF_STR_ARG(e->key));
            xf_value_str(&b, &e->val);
        }
    }
    xf_console_debug(cli, NULL, NULL, "%s", b.ptr);
    xf_console_debug(cli, NULL, NULL, "project %s at %s, target path %s", p->name, p->root,
                     p->target_path ? p->target_path : "target");
    xf_buf_release(&b);
}

/* Wraps the console's node_done: the SQL the node ran and its timings, at debug level. */
static void logged_done(void *user, size_t i, size_t total, const struct xf_node *n,
                        const struct xf_node_result *r)
{
    struct xf_cli *cli = user;
    if (cli->console_done)
        cli->console_done(user, i, total, n, r);
    /*
     * what ran; compile runs nothing (its SQL is in target/compiled): only
     * its failures are worth a line, not a line per node of a big project
     */
    if (!strcmp(cli->command, "compile") && r->status == XF_ST_SUCCESS)
        return;
    const char *code = r->executed_code;
    if (code && *code)
        xf_console_debug(cli, "SQLQuery", "E016", "On %s: %s", n->unique_id, code);
    xf_console_debug(
        cli, "SQLQueryStatus", "E017", "%s: %s in %.3fs (compile %.3fs, execute %.3fs)%s%s",
        n->unique_id, xf_status_name(r->status), r->execution_time,
        r->compile_completed - r->compile_started, r->execute_completed - r->execute_started,
        r->message ? ": " : "", r->message ? r->message : "");
}

void xf_logfile_events(struct xf_events *ev, struct xf_cli *cli)
{
    if (!cli->logfile && cli->console_level > XF_LOG_DEBUG)
        return;
    if (ev->user != cli || ev->node_done == logged_done)
        return; /* not the console's events, or wrapped already */
    cli->console_done = ev->node_done;
    ev->node_done = logged_done;
}

void xf_logfile_finish(struct xf_cli *cli, int code)
{
    struct xf_logfile *l = cli->logfile;
    if (!l)
        return;
    double took = xf_cli_now() - l->t0;
    cli->invocation_id = l->invocation_id; /* the session's copy is freed by now */
    struct xf_buf b = XF_BUF_INIT;
    for (int i = 0; i < cli->argc; i++)
        xf_buf_addf(&b, "%s%s", i ? " " : "", cli->argv[i]);
    xf_console_debug(cli, "CommandCompleted", "Q039",
                     "Command `%s` %s after %.2f seconds (exit code %d)", b.ptr,
                     code == 0 ? "succeeded" : "failed", took, code);
    xf_buf_release(&b);
    const char *root = l->root ? l->root : cli->project_dir ? cli->project_dir : ".";
    /* the project was never loaded (or clean has just removed logs/): the flag's
       folder or logs/ in the project folder, unless that folder does not exist (a
       mistyped --project-dir is not created for a log) */
    if (!l->f && !l->failed && (l->dir || xf_is_dir(root)))
        open_in(cli, root, l->dir ? l->dir : l->project_log ? l->project_log : "logs");
    if (l->f)
        fclose(l->f);
    xf_buf_release(&l->pending);
    for (size_t i = 0; i < l->secrets.n; i++)
        free(l->secrets.v[i]);
    xf_vec_release(&l->secrets);
    pcre2_code_free(l->keyed);
    pcre2_code_free(l->uri);
    pcre2_match_data_free(l->md);
    free(l->path);
    free(l->root);
    free(l->project_log);
    free(l->invocation_id);
    cli->invocation_id = NULL;
    pthread_mutex_destroy(&l->mu);
    free(l);
    cli->logfile = NULL;
}

/* ---- where the artifacts go (the other CI options) ---- */

const char *xf_cli_target_path(const struct xf_cli *cli)
{
    return flag_or_env(flag_or_env(cli->target_path, "XFORM_TARGET_PATH"), "DBT_TARGET_PATH");
}

bool xf_cli_write_json(const struct xf_cli *cli)
{
    if (cli->write_json)
        return true;
    if (cli->no_write_json)
        return false;
    const char *e = getenv("DBT_WRITE_JSON");
    return !(e && (!strcasecmp(e, "false") || !strcmp(e, "0") || !strcasecmp(e, "no")));
}

int xf_cli_junit(const struct xf_cli *cli, struct xf_session *s, const struct xf_node_result *r,
                 size_t n, double elapsed)
{
    const char *path = flag_or_env(cli->junit_xml, "XFORM_JUNIT_XML");
    if (!path)
        return 0;
    struct xf_project *p = xf_session_project(s);
    int e =
        xf_write_junit(path, xf_session_invocation(s), p->name, cli->target_name, r, n, elapsed);
    if (e < 0) {
        fprintf(stderr, "error: could not write the JUnit report '%s': %s\n", path, strerror(-e));
        return -1;
    }
    xf_console_debug(cli, NULL, NULL, "wrote the JUnit report %s (%zu testcases)", path, n);
    return 0;
}
