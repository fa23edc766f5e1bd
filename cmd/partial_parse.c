// SPDX-License-Identifier: MIT
/*
 * `compile`, `ls` and `parse` and the partial-parse cache (parser/ppcache.h):
 * the same command line, in a project where no input changed since the run
 * that wrote the cache, replays that run's console lines (and what ls
 * printed) and leaves its outputs (compiled SQL, manifest.json,
 * run_results.json) as they are, in milliseconds. Anything else runs cold
 * and saves the cache for next time. docs/performance.md, "Partial parsing".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "parser/ppcache.h"
#include "util/hash.h"
#include "util/path.h"

static bool is_compile(const struct xf_cli *cli)
{
    return !strcmp(cli->command, "compile");
}

static bool is_parse(const struct xf_cli *cli)
{
    return !strcmp(cli->command, "parse");
}

static bool usable(const struct xf_cli *cli)
{
    /* dbt_project.yml's flags: {partial_parse: false}; the flag wins over it, as in dbt */
    if (!xf_pp_records_on(cli))
        return false;
    /* state reads another run's files; JUnit writes one more */
    if (cli->state || cli->defer || cli->inline_sql || cli->junit_xml || getenv("XFORM_JUNIT_XML"))
        return false;
    /* compile with a selection prints nodes' SQL: not kept */
    return !is_compile(cli) || (!cli->select.n && !cli->exclude.n && !cli->selector);
}

bool xf_pp_records_on(const struct xf_cli *cli)
{
    if (xf_ppcache_disabled(cli->no_partial_parse ? 0 : cli->partial_parse ? 1 : -1))
        return false;
    return cli->partial_parse || !xf_ppcache_project_off(cli->project_dir);
}

void xf_pp_records_log(const struct xf_cli *cli, struct xf_session *s)
{
    size_t reused, rendered;
    const char *why, *off;
    if (!xf_session_precs(s, &reused, &rendered, &why, &off))
        return;
    if (off) {
        xf_console_debug(cli, "Note", "Z050", "partial parse: node records: %s", off);
        if (!reused && !rendered)
            return;
    }
    xf_console_debug(cli, "Note", "Z050",
                     "partial parse: parse-mode results of %zu of %zu nodes reused, %zu rendered%s%s",
                     reused, reused + rendered, rendered, why ? ": " : "", why ? why : "");
}

/* Everything about the invocation a result depends on, apart from files and environment. */
static char *make_key(const struct xf_cli *cli)
{
    struct xf_buf b = XF_BUF_INIT;
    xf_ppcache_identity(&b);
    xf_buf_addch(&b, '\n');
    for (int i = 0; i < cli->argc; i++) {
        xf_buf_adds(&b, cli->argv[i]);
        xf_buf_addch(&b, '\x1f');
    }
    return xf_buf_detach(&b, NULL);
}

static const char *cache_path(struct xf_arena *a, const struct xf_cli *cli)
{
    const char *dir = xf_ppcache_target_dir(a, cli->project_dir, xf_cli_target_path(cli));
    return dir ? xf_path_join(a, dir, XF_PPCACHE_FILE) : NULL;
}

/*
 * The replay blob: fields each ended by NUL (nodes compiled, project root,
 * log-path, target name, type, schema, target-path as shown, the length of
 * what ls printed), then what ls printed, then the recorded console events.
 */
enum {
    F_NRES,
    F_ROOT,
    F_LOGPATH,
    F_TNAME,
    F_TTYPE,
    F_TSCHEMA,
    F_TPATH,
    F_TEXTLEN,
    F_NSOURCES, /* parse: sources (F_NRES: nodes) */
    NFIELDS
};

bool xf_pp_try(struct xf_cli *cli, int *code)
{
    bool compile = is_compile(cli), parse = is_parse(cli);
    if (!usable(cli))
        return false;
    double t0 = xf_cli_now();
    struct xf_arena a;
    xf_arena_init(&a);
    const char *path = cache_path(&a, cli);
    char *key = make_key(cli);
    struct xf_buf why = XF_BUF_INIT;
    struct xf_ppcache_hit hit = {0};
    int h = path ? xf_ppcache_check(&hit, path, key, &why) : 0;
    bool got = h == 1; /* hit.data to release, whatever the replay says */
    const char *f[NFIELDS];
    const char *p = hit.replay, *end = p + hit.replay_len;
    for (int i = 0; h == 1 && i < NFIELDS; i++) {
        const char *z = memchr(p, 0, (size_t)(end - p));
        if (!z) {
            h = 0; /* written by this binary (the key says so): cannot happen */
            xf_buf_adds(&why, "the cache's replay is short");
            break;
        }
        f[i] = p;
        p = z + 1;
    }
    size_t tlen = h == 1 ? strtoull(f[F_TEXTLEN], NULL, 10) : 0;
    if (h == 1 && tlen > (size_t)(end - p)) {
        h = 0;
        xf_buf_adds(&why, "the cache's replay is short");
    }
    if (h != 1) {
        /* said in the log once the cold compile knows where the log goes */
        xf_console_debug(cli, "Note", "Z050", "partial parse: not used: %s",
                         why.len ? why.ptr
                         : path  ? "?"
                                 : "the target folder is templated");
        if (got)
            xf_ppcache_hit_release(&hit);
        xf_buf_release(&why);
        free(key);
        xf_arena_release(&a);
        return false;
    }
    char inv[40];
    xf_uuid4(inv);
    cli->invocation_id = inv;
    struct xf_project stub;
    memset(&stub, 0, sizeof stub);
    stub.root = f[F_ROOT];
    stub.log_path = *f[F_LOGPATH] ? f[F_LOGPATH] : NULL;
    stub.target.name = *f[F_TNAME] ? f[F_TNAME] : NULL;
    stub.target.type = f[F_TTYPE];
    stub.target.schema = f[F_TSCHEMA];
    cli->target_name = stub.target.name;
    xf_logfile_attach(cli, &stub, true);
    xf_console_replay(cli, p + tlen, (size_t)(end - p - tlen));
    size_t nres = strtoull(f[F_NRES], NULL, 10);
    if (compile)
        xf_console_line(cli, "Compiled %zu %s into %s/compiled in %.2fs", nres,
                        nres == 1 ? "node" : "nodes", f[F_TPATH], xf_cli_now() - t0);
    if (parse && xf_cli_write_json(cli))
        xf_console_line(cli, "Parsed %zu nodes and %s sources in %.2fs; wrote %s/manifest.json",
                        nres, f[F_NSOURCES], xf_cli_now() - t0, f[F_TPATH]);
    else if (parse)
        xf_console_line(cli,
                        "Parsed %zu nodes and %s sources in %.2fs (--no-write-json: no "
                        "manifest.json written)",
                        nres, f[F_NSOURCES], xf_cli_now() - t0);
    fwrite(p, 1, tlen, stdout);
    fflush(stdout);
    xf_console_debug(cli, "Note", "Z050",
                     "partial parse: %zu of %zu files reused; nothing changed since the %s "
                     "that wrote %s: its results stand",
                     hit.nfiles, hit.nfiles, cli->command, path);
    cli->invocation_id = NULL;
    cli->target_name = NULL;
    xf_ppcache_hit_release(&hit);
    xf_buf_release(&why);
    free(key);
    xf_arena_release(&a);
    *code = XF_EXIT_OK;
    return true;
}

void xf_pp_begin(struct xf_cli *cli)
{
    if (!usable(cli))
        return;
    if (!cli->pp) {
        cli->pp = xf_calloc(1, sizeof *cli->pp);
        pthread_mutex_init(&cli->pp->mu, NULL);
    }
    cli->pp->load_start = xf_ppcache_now();
    cli->pp->active = true;
}

static void rec_free(struct xf_cli *cli)
{
    if (!cli->pp)
        return;
    xf_buf_release(&cli->pp->events);
    pthread_mutex_destroy(&cli->pp->mu);
    free(cli->pp);
    cli->pp = NULL;
}

void xf_pp_finish(struct xf_cli *cli, struct xf_session *s, size_t nres, const char *text,
                  size_t len, bool ok)
{
    struct xf_pp_rec *r = cli->pp;
    if (!r || !r->active || !s) {
        rec_free(cli);
        return;
    }
    r->paused = true;
    struct xf_project *p = xf_session_project(s);
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_buf why = XF_BUF_INIT;
    const char *tp = p->target_path ? p->target_path : "target";
    const char *tdir = xf_path_join(&a, p->root, tp);
    const char *path = xf_path_join(&a, tdir, XF_PPCACHE_FILE);
    const char *guess = cache_path(&a, cli);
    const char *why_not = !ok                      ? "the command did not succeed"
                          : r->diag                ? "the command printed diagnostics"
                          : xf_session_asked_db(s) ? "a template asked the database something"
                          : !guess || strcmp(guess, path) ? "the target folder is templated"
                                                          : NULL;
    if (why_not) {
        xf_ppcache_remove(path);
        xf_console_debug(cli, "Note", "Z050", "partial parse: cache not written: %s", why_not);
        goto done;
    }
    struct xf_buf blob = XF_BUF_INIT;
    const struct xf_target *t = &p->target;
    const char *fields[NFIELDS] = {xf_arena_printf(&a, "%zu", nres),
                                   p->root,
                                   p->log_path ? p->log_path : "",
                                   t->embedded_default ? ""
                                   : t->name           ? t->name
                                                       : "",
                                   t->type ? t->type : "",
                                   t->schema ? t->schema : "",
                                   tp,
                                   xf_arena_printf(&a, "%zu", len),
                                   xf_arena_printf(&a, "%zu", p->sources.n)};
    for (int i = 0; i < NFIELDS; i++)
        xf_buf_add(&blob, fields[i], strlen(fields[i]) + 1);
    xf_buf_add(&blob, text ? text : "", len);
    xf_buf_add(&blob, r->events.ptr, r->events.len);
    /* compile's outputs, parse's manifest; ls writes none */
    bool compile = is_compile(cli), json = xf_cli_write_json(cli);
    const char *trees[1] = {xf_path_join(&a, tdir, "compiled")};
    const char *files[2] = {xf_path_join(&a, tdir, "manifest.json"),
                            xf_path_join(&a, tdir, "run_results.json")};
    char *key = make_key(cli);
    struct xf_ppcache_save in = {
        .p = p,
        .load_start = r->load_start,
        .key = key,
        .out_trees = trees,
        .nout_trees = compile ? 1 : 0,
        .out_files = files,
        .nout_files = !json           ? 0
                      : compile       ? 2
                      : is_parse(cli) ? 1
                                      : 0,
        .replay = blob.ptr,
        .replay_len = blob.len,
    };
    double t0 = xf_cli_now();
    int e = xf_ppcache_write(path, &in, &why);
    if (e > 0)
        xf_console_debug(cli, "Note", "Z050", "partial parse: cache written to %s in %.3fs", path,
                         xf_cli_now() - t0);
    else
        xf_console_debug(cli, "Note", "Z050", "partial parse: cache not written: %s", why.ptr);
    free(key);
    xf_buf_release(&blob);
done:
    xf_buf_release(&why);
    xf_arena_release(&a);
    rec_free(cli);
}
