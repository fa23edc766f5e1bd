// SPDX-License-Identifier: MIT
/*
 * The live status line under a run's results on a terminal (progress.h).
 * One mutex guards the state and the terminal: the console holds it while
 * it writes a line (the status line is erased first and drawn again
 * after), the ticker thread takes it to redraw the clocks.
 */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/progress.h"
#include "util/arena.h"
#include "util/map.h"

#define MIN_GAP 0.1 /* seconds between two draws: at most 10 a second */

struct running {
    const struct xf_node *n;
    double t0, est;
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool on;     /* a terminal and a run: the line exists */
    bool active; /* between begin and end */
    bool shown;  /* the line is on the screen now */
    int held;    /* writers at work: do not draw */
    bool stopping;
    bool color;
    bool ticking;
    pthread_t ticker;
    size_t total, done;
    int threads;
    double t0, last_draw;
    size_t drawn; /* bytes of the line on the screen (ASCII: its columns) */
    struct running *run;
    size_t nrun, caprun;
    /* ETA: previous durations by unique_id (double *), the estimate of what has not started */
    struct xf_arena a;
    struct xf_map prev;
    size_t nknown;
    double mean, est_left;
} P = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static double est_of(const struct xf_node *n)
{
    const double *d = P.nknown ? xf_map_getc(&P.prev, n->unique_id) : NULL;
    return d ? *d : P.mean;
}

static void read_previous(struct xf_node *const *nodes, const bool *selected, size_t n,
                          const char *path)
{
    json_t *root = path ? json_load_file(path, 0, NULL) : NULL;
    json_t *res = json_object_get(root, "results");
    size_t i;
    json_t *x;
    json_array_foreach(res, i, x)
    {
        const char *id = json_string_value(json_object_get(x, "unique_id"));
        json_t *t = json_object_get(x, "execution_time");
        const char *st = json_string_value(json_object_get(x, "status"));
        /* a skipped node took no time: its 0 says nothing of the next run */
        if (!id || !json_is_number(t) || (st && !strcmp(st, "skipped")))
            continue;
        double *d = xf_arena_alloc(&P.a, sizeof *d);
        *d = json_number_value(t);
        xf_map_put(&P.prev, xf_str_c(xf_arena_strdup(&P.a, id)), d);
    }
    json_decref(root);
    double sum = 0;
    size_t nsel = 0;
    for (size_t k = 0; k < n; k++) {
        if (!selected[k])
            continue;
        nsel++;
        const double *d = xf_map_getc(&P.prev, nodes[k]->unique_id);
        if (d) {
            P.nknown++;
            sum += *d;
        }
    }
    P.mean = P.nknown ? sum / (double)P.nknown : 0;
    P.est_left = sum + (double)(nsel - P.nknown) * P.mean;
}

void xf_progress_prepare(const struct xf_cli *cli, struct xf_node *const *nodes,
                         const bool *selected, size_t n, const char *run_results)
{
    const char *term = getenv("TERM");
    if (cli->json_log || !isatty(STDOUT_FILENO) || !term || !*term || !strcmp(term, "dumb"))
        return;
    xf_arena_init(&P.a);
    xf_map_init_arena(&P.prev, &P.a);
    read_previous(nodes, selected, n, run_results);
    P.color = cli->color;
    P.on = true;
}

static int width(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *c = getenv("COLUMNS");
    int w = c ? atoi(c) : 0;
    return w > 0 ? w : 80;
}

/* "4.2s", "1:05", "1:02:03" */
static void clock_text(struct xf_buf *b, double s)
{
    if (s < 0)
        s = 0;
    if (s < 60) {
        xf_buf_addf(b, "%.1fs", s);
        return;
    }
    long t = (long)s;
    if (t >= 3600)
        xf_buf_addf(b, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        xf_buf_addf(b, "%ld:%02ld", t / 60, t % 60);
}

/* Called with mu held. */
static void draw(void)
{
    if (!P.active || P.held || P.stopping)
        return;
    double now = xf_cli_now();
    struct xf_buf b = XF_BUF_INIT;
    xf_buf_addf(&b, "[%zu/%zu] ", P.done, P.total);
    clock_text(&b, now - P.t0);
    if (P.nknown) {
        double left = P.est_left;
        for (size_t i = 0; i < P.nrun; i++) {
            double r = P.run[i].est - (now - P.run[i].t0);
            left += r > 0 ? r : 0;
        }
        int th = P.threads > 0 ? P.threads : 1;
        xf_buf_adds(&b, ", ETA ");
        clock_text(&b, left / th);
    }
    if (P.nrun) {
        xf_buf_addf(&b, " | %zu running: ", P.nrun);
        for (size_t i = 0; i < P.nrun; i++) {
            xf_buf_addf(&b, "%s%s ", i ? ", " : "", P.run[i].n->name);
            clock_text(&b, now - P.run[i].t0);
        }
    }
    /* one column short of the width: a full line would wrap on some terminals */
    size_t w = (size_t)width() - 1;
    if (b.len > w) {
        b.len = w > 3 ? w - 3 : 0;
        b.ptr[b.len] = 0;
        xf_buf_adds(&b, "...");
    }
    fputs("\r", stdout);
    if (P.color) {
        size_t cut = strcspn(b.ptr, " ");
        fprintf(stdout, "\033[1;36m%.*s\033[0m\033[2m%s\033[0m\033[K", (int)cut, b.ptr,
                b.ptr + cut);
    } else {
        /* no escape sequence at all without colour: spaces over what was longer before */
        fputs(b.ptr, stdout);
        for (size_t i = b.len; i < P.drawn; i++)
            fputc(' ', stdout);
    }
    fflush(stdout);
    P.drawn = b.len;
    xf_buf_release(&b);
    P.shown = true;
    P.last_draw = now;
}

static void erase(void)
{
    if (!P.shown)
        return;
    if (P.color) {
        fputs("\r\033[K", stdout);
    } else {
        fputc('\r', stdout);
        for (size_t i = 0; i < P.drawn; i++)
            fputc(' ', stdout);
        fputc('\r', stdout);
    }
    fflush(stdout);
    P.shown = false;
    P.drawn = 0;
}

static void *tick(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&P.mu);
    while (!P.stopping) {
        double due = P.last_draw + MIN_GAP, now = xf_cli_now();
        if (now >= due) {
            draw();
            due = xf_cli_now() + MIN_GAP;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double wait = due - xf_cli_now();
        if (wait < 0.01)
            wait = 0.01;
        long ns = ts.tv_nsec + (long)(wait * 1e9);
        ts.tv_sec += ns / 1000000000L;
        ts.tv_nsec = ns % 1000000000L;
        pthread_cond_timedwait(&P.cv, &P.mu, &ts);
    }
    pthread_mutex_unlock(&P.mu);
    return NULL;
}

void xf_progress_begin(size_t total, int threads)
{
    if (!P.on)
        return;
    pthread_mutex_lock(&P.mu);
    P.total = total;
    P.threads = threads;
    P.t0 = xf_cli_now();
    P.active = true;
    P.stopping = false;
    pthread_mutex_unlock(&P.mu);
    P.ticking = pthread_create(&P.ticker, NULL, tick, NULL) == 0;
}

void xf_progress_node_start(const struct xf_node *n)
{
    if (!P.on)
        return;
    pthread_mutex_lock(&P.mu);
    if (P.nrun == P.caprun) {
        P.caprun = P.caprun ? 2 * P.caprun : 8;
        P.run = xf_realloc(P.run, P.caprun * sizeof *P.run);
    }
    double e = est_of(n);
    P.run[P.nrun++] = (struct running){n, xf_cli_now(), e};
    P.est_left -= e;
    pthread_mutex_unlock(&P.mu);
}

void xf_progress_node_done(const struct xf_node *n)
{
    if (!P.on)
        return;
    pthread_mutex_lock(&P.mu);
    size_t i = 0;
    while (i < P.nrun && P.run[i].n != n)
        i++;
    if (i < P.nrun)
        memmove(&P.run[i], &P.run[i + 1], (P.nrun - i - 1) * sizeof *P.run);
    if (i < P.nrun)
        P.nrun--;
    else
        P.est_left -= est_of(n); /* skipped: never started */
    P.done++;
    pthread_mutex_unlock(&P.mu);
}

void xf_progress_hold(void)
{
    if (!P.on)
        return;
    pthread_mutex_lock(&P.mu);
    erase();
    P.held++;
    pthread_mutex_unlock(&P.mu);
}

void xf_progress_resume(void)
{
    if (!P.on)
        return;
    pthread_mutex_lock(&P.mu);
    if (P.held > 0)
        P.held--;
    if (xf_cli_now() - P.last_draw >= MIN_GAP)
        draw();
    pthread_mutex_unlock(&P.mu);
}

void xf_progress_end(void)
{
    if (!P.on)
        return;
    pthread_mutex_lock(&P.mu);
    P.stopping = true;
    pthread_cond_broadcast(&P.cv);
    pthread_mutex_unlock(&P.mu);
    if (P.ticking)
        pthread_join(P.ticker, NULL);
    pthread_mutex_lock(&P.mu);
    erase();
    P.active = false;
    P.on = false;
    P.ticking = false;
    free(P.run);
    P.run = NULL;
    P.nrun = P.caprun = 0;
    xf_arena_release(&P.a);
    pthread_mutex_unlock(&P.mu);
}
