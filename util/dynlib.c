// SPDX-License-Identifier: MIT
/*
 * Loading a library on first use (see dynlib.h). The handle is kept for
 * the life of the process, as a linked library's would be.
 */
#include "util/dynlib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

int xf_dynlib_load(struct xf_dynlib *l, struct xf_buf *err)
{
    pthread_mutex_lock(&lock);
    if (l->state == 0) {
        void *h = NULL;
        const char *last = "no file name to load";
        for (size_t i = 0; !h && l->sonames[i]; i++) {
            h = dlopen(l->sonames[i], RTLD_NOW | RTLD_LOCAL);
            if (!h)
                last = dlerror();
        }
        l->state = 1;
        if (!h) {
            snprintf(l->why, sizeof l->why, "%s", last ? last : "?");
            l->state = -1;
        }
        for (size_t i = 0; h && i < l->nsyms; i++) {
            *l->syms[i].slot = dlsym(h, l->syms[i].name);
            if (!*l->syms[i].slot) {
                snprintf(l->why, sizeof l->why, "%s has no function %s", l->sonames[0],
                         l->syms[i].name);
                l->state = -1;
                break;
            }
        }
    }
    int ok = l->state;
    pthread_mutex_unlock(&lock);
    if (ok > 0)
        return 0;
    xf_buf_addf(err, "could not load %s: %s", l->what, l->why);
    return -1;
}
