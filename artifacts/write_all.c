// SPDX-License-Identifier: MIT
/*
 * manifest.json and run_results.json at once: the run results on a
 * second thread while this one writes the manifest. Both only read the
 * project, graph and results, and each writes its own file through its
 * own buffer, so nothing is shared but the inputs.
 */
#include <pthread.h>
#include <time.h>

#include "artifacts/artifacts.h"

struct rr_job {
    const char *dir;
    const struct xf_invocation *inv;
    const struct xf_node_result *results;
    size_t n;
    double elapsed;
    int err;
    double seconds;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run_results_job(void *arg)
{
    struct rr_job *j = arg;
    double t0 = now();
    j->err = xf_write_run_results(j->dir, j->inv, j->results, j->n, j->elapsed);
    j->seconds = now() - t0;
    return NULL;
}

int xf_write_artifacts(const char *dir, const struct xf_project *p, const struct xf_graph *g,
                       const struct xf_invocation *inv, const struct xf_node_result *results,
                       size_t n, double elapsed, double seconds[2], int errs[2])
{
    struct rr_job job = {dir, inv, results, n, elapsed, 0, 0};
    pthread_t th;
    bool threaded = pthread_create(&th, NULL, run_results_job, &job) == 0;
    double t0 = now();
    int err = xf_write_manifest(dir, p, g, inv);
    double t_manifest = now() - t0;
    if (threaded)
        pthread_join(th, NULL);
    else
        run_results_job(&job); /* no thread to be had: one after the other */
    if (seconds) {
        seconds[0] = t_manifest;
        seconds[1] = job.seconds;
    }
    if (errs) {
        errs[0] = err;
        errs[1] = job.err;
    }
    return err < 0 ? err : job.err;
}
