// SPDX-License-Identifier: MIT
/*
 * `xform docs generate`: compile every node (as `xform compile`), write
 * manifest.json, run_results.json, catalog.json (what the warehouse holds)
 * and index.html, the self-contained docs site, into the target folder.
 * `xform docs serve [--port N]`: serve that folder on 127.0.0.1 (only)
 * with libmicrohttpd until Ctrl-C.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "cmd/cli.h"
#include "util/dynlib.h"
#include "util/path.h"

/*
 * libmicrohttpd is loaded on first use (util/dynlib.h): the names below are
 * pointers filled by libmhd_load(); call sites read as plain calls.
 */
XF_DYN_PTR(MHD_add_response_header);
XF_DYN_PTR(MHD_create_response_from_buffer);
XF_DYN_PTR(MHD_create_response_from_fd64);
XF_DYN_PTR(MHD_destroy_response);
XF_DYN_PTR(MHD_queue_response);
XF_DYN_PTR(MHD_start_daemon);
XF_DYN_PTR(MHD_stop_daemon);
#undef MHD_add_response_header
#define MHD_add_response_header (*xf_dyn_MHD_add_response_header)
#undef MHD_create_response_from_fd64
#define MHD_create_response_from_fd64 (*xf_dyn_MHD_create_response_from_fd64)
#undef MHD_create_response_from_buffer
#define MHD_create_response_from_buffer (*xf_dyn_MHD_create_response_from_buffer)
#undef MHD_destroy_response
#define MHD_destroy_response (*xf_dyn_MHD_destroy_response)
#undef MHD_queue_response
#define MHD_queue_response (*xf_dyn_MHD_queue_response)
#undef MHD_start_daemon
#define MHD_start_daemon (*xf_dyn_MHD_start_daemon)
#undef MHD_stop_daemon
#define MHD_stop_daemon (*xf_dyn_MHD_stop_daemon)
static const struct xf_dynsym libmhd_syms[] = {
    XF_DYN_SYM(MHD_add_response_header),
    XF_DYN_SYM(MHD_create_response_from_buffer),
    XF_DYN_SYM(MHD_create_response_from_fd64),
    XF_DYN_SYM(MHD_destroy_response),
    XF_DYN_SYM(MHD_queue_response),
    XF_DYN_SYM(MHD_start_daemon),
    XF_DYN_SYM(MHD_stop_daemon),
};
static const char *const libmhd_sonames[] = {"libmicrohttpd.so.12", "libmicrohttpd.so", NULL};
static struct xf_dynlib libmhd = {"libmicrohttpd",
                                  libmhd_sonames,
                                  libmhd_syms,
                                  sizeof libmhd_syms / sizeof libmhd_syms[0],
                                  0,
                                  ""};

#if MHD_VERSION >= 0x00097002
typedef enum MHD_Result mhd_result;
#else
typedef int mhd_result;
#endif

#define DEFAULT_PORT 8080

static const char *target_of(const struct xf_project *p)
{
    return p->target_path ? p->target_path : "target";
}

static int docs_generate(struct xf_cli *cli)
{
    struct xf_diags d;
    xf_diags_init(&d);
    struct xf_session *s = NULL;
    struct xf_conn *conn = NULL;
    struct xf_buf err = XF_BUF_INIT;
    struct xf_arena a;
    xf_arena_init(&a);
    bool *sel = NULL;
    int code = XF_EXIT_USAGE;
    double t0 = xf_cli_now();
    if (xf_cmd_open(cli, &s, &d) < 0)
        goto done;
    xf_console_found(cli, s);
    struct xf_events ev;
    xf_console_events(&ev, cli);
    ev.node_start = NULL; /* one summary line, not one line per node */
    ev.node_done = NULL;
    struct xf_run_opts o = {
        .phase = XF_PHASE_COMPILE,
        .select = cli->select.v,
        .nselect = cli->select.n,
        .exclude = cli->exclude.v,
        .nexclude = cli->exclude.n,
        .threads = cli->threads,
        .events = &ev,
    };
    struct xf_project *p = xf_session_project(s);
    struct xf_graph *g = xf_session_graph(s);
    sel = xf_calloc(g->n + 1, sizeof *sel);
    int e = xf_session_select(s, &o, sel);
    xf_console_diags(cli, &d);
    if (e < 0)
        goto done;
    xf_diags_release(&d);
    xf_diags_init(&d);
    struct xf_invocation *inv = xf_session_invocation(s);
    inv->command = "docs generate";
    inv->argc = cli->argc;
    inv->argv = cli->argv;
    char *tdir = xf_path_join(&a, p->root, target_of(p));

    /* 1. compile, as `xform compile` does */
    const struct xf_node_result *res = NULL;
    size_t nres = 0;
    int rc = xf_session_run(s, &o, sel, &res, &nres);
    xf_console_diags(cli, &d);
    if (rc < 0)
        goto done;
    code = XF_EXIT_OK;
    if (rc) {
        for (size_t i = 0; i < nres; i++) {
            if (res[i].status == XF_ST_ERROR && res[i].message)
                fputs(res[i].message, stderr);
        }
        code = XF_EXIT_FAIL;
    }
    const char *wfile = "manifest.json";
    e = xf_cli_write_json(cli) ? xf_write_manifest(tdir, p, g, inv) : 0;
    if (e == 0 && xf_cli_write_json(cli)) {
        wfile = "run_results.json";
        e = xf_write_run_results(tdir, inv, res, nres, xf_cli_now() - t0);
    }
    if (e < 0) {
        xf_console_write_error(tdir, wfile, -e);
        code = XF_EXIT_FAIL;
        goto done;
    }
    if (xf_cli_junit(cli, s, res, nres, xf_cli_now() - t0) < 0) {
        code = XF_EXIT_FAIL;
        goto done;
    }
    xf_console_line(cli, "Compiled %zu %s in %.2fs", nres, nres == 1 ? "node" : "nodes",
                    xf_cli_now() - t0);

    /* 2. the catalog: one query per schema */
    xf_console_line(cli, "Building catalog");
    double t1 = xf_cli_now();
    const struct xf_adapter_ops *ops = xf_session_adapter(s);
    if (ops->connect(&conn, &p->target, p->root, &err) < 0) {
        fprintf(stderr, "error: could not connect to the %s target '%s' to read the catalog: %s\n",
                ops->name, p->target.name ? p->target.name : "default",
                err.len ? err.ptr : "unknown error");
        fprintf(stderr, "  check the profile's connection settings (xform debug shows them)\n");
        conn = NULL;
        xf_buf_reset(&err);
        code = XF_EXIT_FAIL;
    }
    struct xf_catalog_stats st;
    e = xf_write_catalog(tdir, p, g, conn, inv, &st, &err);
    if (e != 0) {
        fprintf(stderr, "error: %s\n", err.ptr);
        code = XF_EXIT_FAIL;
        if (e < 0)
            goto done;
    }
    xf_buf_reset(&err);
    char *abs = realpath(tdir, NULL);
    xf_console_line(cli,
                    "Catalog written to %s/catalog.json (%zu %s, %zu %s, %zu columns) in %.2fs",
                    abs ? abs : tdir, st.nodes, st.nodes == 1 ? "node" : "nodes", st.sources,
                    st.sources == 1 ? "source" : "sources", st.columns, xf_cli_now() - t1);

    /* 3. the site */
    double t2 = xf_cli_now();
    e = xf_write_docs_site(tdir, p, g, inv, &err);
    if (e < 0) {
        fprintf(stderr, "error: %s\n", err.ptr);
        code = XF_EXIT_FAIL;
    } else {
        xf_console_line(cli,
                        "Docs site written to %s/index.html in %.2fs (open it in a browser, or "
                        "run 'xform docs serve')",
                        abs ? abs : tdir, xf_cli_now() - t2);
    }
    free(abs);
done:
    if (conn)
        conn->ops->disconnect(conn);
    free(sel);
    xf_session_free(s);
    xf_diags_release(&d);
    xf_buf_release(&err);
    xf_arena_release(&a);
    return code;
}

/* ---- serve ---- */

struct server {
    const char *root; /* the target folder */
    bool quiet;
};

static const char *content_type(const char *path)
{
    static const char *const types[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".json", "application/json"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".sql", "text/plain; charset=utf-8"},
        {".txt", "text/plain; charset=utf-8"},
        {".xml", "application/xml"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof *types; i++) {
        if (!strcmp(dot, types[i][0]))
            return types[i][1];
    }
    return "application/octet-stream";
}

/* A URL path we will serve: relative, no "..", no hidden parts. */
static bool safe_path(const char *url)
{
    if (url[0] != '/')
        return false;
    for (const char *p = url; *p; p++) {
        if (p[0] == '/' && p[1] == '.')
            return false; /* "/..", "/.git" */
        if (*p == '\\')
            return false;
    }
    return true;
}

static mhd_result reply_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    mhd_result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static mhd_result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                         const char *version, const char *upload, size_t *upload_size, void **state)
{
    struct server *srv = cls;
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)state;
    unsigned status;
    mhd_result ret;
    if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
        status = MHD_HTTP_METHOD_NOT_ALLOWED;
        ret = reply_text(c, status, "only GET and HEAD\n");
        goto log;
    }
    const char *file = strcmp(url, "/") ? url : "/index.html";
    char path[PATH_MAX];
    int fd = -1;
    struct stat sb;
    if (safe_path(file) &&
        (size_t)snprintf(path, sizeof path, "%s%s", srv->root, file) < sizeof path &&
        (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0 && fstat(fd, &sb) == 0 &&
        S_ISREG(sb.st_mode)) {
        struct MHD_Response *r = MHD_create_response_from_fd64((uint64_t)sb.st_size, fd);
        if (!r) {
            close(fd);
            return MHD_NO;
        }
        MHD_add_response_header(r, "Content-Type", content_type(path));
        MHD_add_response_header(r, "Cache-Control", "no-cache");
        status = MHD_HTTP_OK;
        ret = MHD_queue_response(c, status, r);
        MHD_destroy_response(r);
    } else {
        if (fd >= 0)
            close(fd);
        status = MHD_HTTP_NOT_FOUND;
        ret = reply_text(c, status, "not found\n");
    }
log:
    if (!srv->quiet) {
        printf("%s %s %u\n", method, url, status);
        fflush(stdout);
    }
    return ret;
}

static int docs_serve(struct xf_cli *cli)
{
    long port = DEFAULT_PORT;
    if (cli->port) {
        char *end;
        port = strtol(cli->port, &end, 10);
        if (*end || end == cli->port || port < 1 || port > 65535) {
            fprintf(stderr, "error: --port needs a port number from 1 to 65535, not '%s'\n",
                    cli->port);
            return XF_EXIT_USAGE;
        }
    }
    struct xf_load_opts lo;
    xf_cmd_load_opts(cli, &lo);
    struct xf_diags d;
    xf_diags_init(&d);
    struct xf_project *p = NULL;
    struct xf_arena a;
    xf_arena_init(&a);
    int code = XF_EXIT_USAGE;
    struct MHD_Daemon *daemon = NULL;
    int e = xf_project_load(&p, &lo, &d);
    xf_console_diags(cli, &d);
    if (e < 0)
        goto done;
    char *tdir = xf_path_join(&a, p->root, target_of(p));
    if (!xf_is_file(xf_path_join(&a, tdir, "index.html"))) {
        fprintf(stderr,
                "error: there is no %s/index.html to serve: run 'xform docs generate' "
                "first\n",
                tdir);
        code = XF_EXIT_FAIL;
        goto done;
    }
    struct xf_buf lerr = XF_BUF_INIT;
    if (xf_dynlib_load(&libmhd, &lerr) < 0) {
        fprintf(stderr, "error: %s\n", lerr.ptr);
        xf_buf_release(&lerr);
        code = XF_EXIT_FAIL;
        goto done;
    }
    xf_buf_release(&lerr);
    struct server srv = {.root = tdir, .quiet = cli->quiet};

    /* Ctrl-C and SIGTERM are waited for here; the daemon's threads never see them. */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
                              (uint16_t)port, NULL, NULL, handle, &srv, MHD_OPTION_SOCK_ADDR,
                              (struct sockaddr *)&sin, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                              MHD_OPTION_END);
    if (!daemon) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        fprintf(stderr,
                "error: could not serve on 127.0.0.1:%ld: the port may be in use; pick "
                "another with --port N\n",
                port);
        code = XF_EXIT_FAIL;
        goto done;
    }
    xf_console_line(cli, "Serving docs from %s at http://127.0.0.1:%ld/", tdir, port);
    xf_console_line(cli, "Press Ctrl+C to exit.");
    fflush(stdout);
    int sig;
    while (sigwait(&set, &sig) != 0)
        ;
    MHD_stop_daemon(daemon);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    xf_console_line(cli, "Stopped serving docs");
    code = XF_EXIT_OK;
done:
    xf_project_free(p);
    xf_diags_release(&d);
    xf_arena_release(&a);
    return code;
}

int xf_cmd_docs(struct xf_cli *cli)
{
    const char *sub = cli->positional.n ? cli->positional.v[0] : NULL;
    if (sub && cli->positional.n == 1 && !strcmp(sub, "generate")) {
        if (cli->port) {
            fprintf(stderr, "error: 'xform docs generate' does not take --port (it is for "
                            "'xform docs serve')\n");
            return XF_EXIT_USAGE;
        }
        return docs_generate(cli);
    }
    if (sub && cli->positional.n == 1 && !strcmp(sub, "serve")) {
        if (cli->junit_xml) {
            fprintf(stderr, "error: 'xform docs serve' does not take --junit-xml (it runs no "
                            "node; 'xform docs generate' reports its compile step)\n");
            return XF_EXIT_USAGE;
        }
        return docs_serve(cli);
    }
    if (!sub) {
        fprintf(stderr, "error: 'xform docs' needs a subcommand: generate or serve\n");
    } else if (cli->positional.n > 1) {
        fprintf(stderr, "error: unexpected argument '%s' after 'xform docs %s'\n",
                cli->positional.v[1], sub);
    } else {
        static const char *const subs[] = {"generate", "serve"};
        const char *sug = xf_str_suggest(xf_str_c(sub), subs, 2);
        if (sug)
            fprintf(stderr, "error: unknown subcommand 'xform docs %s' (did you mean '%s'?)\n", sub,
                    sug);
        else
            fprintf(stderr, "error: unknown subcommand 'xform docs %s': use generate or serve\n",
                    sub);
    }
    return XF_EXIT_USAGE;
}
