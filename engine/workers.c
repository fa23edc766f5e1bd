// SPDX-License-Identifier: MIT
/*
 * Worker-pool helpers shared by the parse-mode render, test generation,
 * the scheduler and freshness: run a function on every core, and the
 * clock work is timed with.
 */
#include <pthread.h>
#include <stddef.h>
#include <sys/time.h>
#include <unistd.h>

#include "engine/internal.h"

double xf_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

void xf_on_every_core(size_t batches, void *(*worker)(void *), void *arg)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t threads = ncpu > 1 ? (size_t)(ncpu > 16 ? 16 : ncpu) : 1;
    if (threads > batches)
        threads = batches > 0 ? batches : 1;
    pthread_t th[16];
    size_t started = 0;
    for (; started + 1 < threads; started++) {
        if (pthread_create(&th[started], NULL, worker, arg) != 0)
            break;
    }
    worker(arg);
    for (size_t t = 0; t < started; t++)
        pthread_join(th[t], NULL);
}
