// SPDX-License-Identifier: MIT
/*
 * Discovery: every resource path is walked once; each file found becomes a
 * job (read it, hash it, parse it: SQL and Markdown into templates, YAML
 * into a tree) run on a few worker threads with their own arenas; then,
 * in a fixed order and on the calling thread, the results become models,
 * seeds, snapshots, analyses, tests, macros and docs blocks, and the
 * properties files are applied. Diagnostics keep the order of the files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parser/loader.h"
#include "util/hash.h"
#include "util/path.h"

/* Below this many files threads cost more than they save. */
#define PARALLEL_MIN_JOBS 64
#define MAX_WORKERS 8
/* Properties files parsed per worker before they are applied and dropped. */
#define YAML_BATCH 16

/* ---- listing ---- */

struct dent {
    char *name;
    unsigned char type;
};

typedef XF_VEC(char *) strvec;

static int cmp_dent(const void *a, const void *b)
{
    return strcmp(((const struct dent *)a)->name, ((const struct dent *)b)->name);
}

/* "prefix/name" (or "name") in the arena. */
static char *concat_path(struct xf_arena *a, const char *prefix, size_t plen, const char *name)
{
    size_t nlen = strlen(name);
    char *s = xf_arena_alloc(a, plen + nlen + 2);
    size_t k = 0;
    if (plen) {
        memcpy(s, prefix, plen);
        s[plen] = '/';
        k = plen + 1;
    }
    memcpy(s + k, name, nlen + 1);
    return s;
}

/*
 * Sorted recursive listing of the regular files under dirfd, as relative
 * paths. Like xf_list_files(), but file types come from readdir() and
 * subdirectories are opened relative to their parent: no stat() per file.
 */
static int walk_dir(struct xf_arena *a, int dirfd, const char *rel, size_t rlen, strvec *out)
{
    DIR *d = fdopendir(dirfd);
    if (!d) {
        int e = -errno;
        close(dirfd);
        return e;
    }
    XF_VEC(struct dent) ents = {0};
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        struct dent de = {xf_arena_strdup(a, e->d_name), e->d_type};
        xf_vec_push(&ents, de);
    }
    if (ents.n > 1) /* an empty folder has no array: qsort(NULL) is undefined */
        qsort(ents.v, ents.n, sizeof *ents.v, cmp_dent);
    int err = 0;
    for (size_t i = 0; i < ents.n && !err; i++) {
        unsigned char t = ents.v[i].type;
        if (t == DT_UNKNOWN || t == DT_LNK) {
            struct stat st;
            if (fstatat(dirfd, ents.v[i].name, &st, 0) < 0)
                continue;
            t = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
        }
        if (t == DT_REG) {
            xf_vec_push(out, concat_path(a, rel, rlen, ents.v[i].name));
        } else if (t == DT_DIR) {
            int sub = openat(dirfd, ents.v[i].name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (sub < 0)
                continue;
            char *subrel = concat_path(a, rel, rlen, ents.v[i].name);
            err = walk_dir(a, sub, subrel, strlen(subrel), out);
        }
    }
    xf_vec_release(&ents);
    closedir(d);
    return err;
}

struct listing {
    char **files;
    size_t n;
};

/* The files under root/dir, walked once and shared by every resource kind. */
static struct listing *list_dir(struct xf_loader *l, const char *dir)
{
    const char *full = xf_path_join(l->a, l->u->root, dir);
    bool found;
    void **slot = xf_map_slot(&l->listings, xf_str_c(full), &found);
    if (found)
        return *slot;
    struct listing *ls = XF_ANEW(l->a, struct listing);
    *slot = ls;
    int fd = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT && errno != ENOTDIR)
            xf_error(l->diags, XF_NOLOC, "cannot list '%s': %s", full, strerror(errno));
        return ls;
    }
    strvec v = {0};
    int err = walk_dir(l->a, fd, "", 0, &v);
    if (err < 0)
        xf_error(l->diags, XF_NOLOC, "cannot list '%s': %s", full, strerror(-err));
    ls->files = XF_ANEWN(l->a, char *, v.n + 1);
    if (v.n)
        memcpy(ls->files, v.v, v.n * sizeof *v.v);
    ls->n = v.n;
    xf_vec_release(&v);
    return ls;
}

static bool has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n > e && strcmp(name + n - e, ext) == 0;
}

/* ---- jobs ---- */

enum job_kind { J_MACRO, J_MODEL, J_SEED, J_SNAPSHOT, J_ANALYSIS, J_TEST, J_DOCS, J_YAML };

struct job {
    enum job_kind kind;
    const char *respath, *rel;
    const char *ofp; /* relative to its project: "models/x.sql" */
    const char
        *display; /* relative to the root project (diagnostics): "dbt_packages/p/models/x.sql" */
    const char *full; /* as opened */
    /* results */
    struct xf_source *src;
    const struct xf_tmpl *tmpl;
    struct xf_ynode *yroot;
    char checksum[65];
    struct xf_diags diags;
    int err;
};

struct worker {
    struct xf_arena *keep;   /* source text, templates, YAML strings: owned by the project */
    struct xf_arena scratch; /* YAML nodes: dropped once the properties are applied */
};

struct pool {
    struct job *jobs;
    size_t n;
    atomic_size_t next;
    struct worker *w;
};

static int read_all(int fd, char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return got == n ? 0 : -EIO;
}

/* Reads a whole file into the arena (NUL-terminated). 0 or -errno. */
static int read_into(struct xf_arena *a, const char *full, const char **text, size_t *len)
{
    int fd = open(full, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    int err = fstat(fd, &st) < 0 ? -errno : 0;
    if (!err) {
        size_t n = (size_t)st.st_size;
        char *t = xf_arena_alloc(a, n + 1);
        err = read_all(fd, t, n);
        t[n] = 0;
        *text = t;
        *len = n;
    }
    close(fd);
    return err;
}

const struct xf_source *xf_loader_read(struct xf_loader *l, const char *display, const char *full,
                                       struct xf_loc at)
{
    const char *text;
    size_t len;
    int err = read_into(l->a, full, &text, &len);
    if (err < 0) {
        xf_error(l->diags, at, "cannot read '%s': %s", full, strerror(-err));
        return NULL;
    }
    struct xf_source *src = XF_ANEW(l->a, struct xf_source);
    src->path = display;
    src->text = text;
    src->len = len;
    xf_avec_push(l->a, &l->p->files, src);
    return src;
}

static void run_job(struct job *j, struct worker *w)
{
    const char *text;
    size_t len;
    int err = read_into(w->keep, j->full, &text, &len);
    if (err < 0) {
        j->err = xf_error(&j->diags, XF_NOLOC, "cannot read '%s': %s", j->full, strerror(-err));
        return;
    }
    j->src = XF_ANEW(w->keep, struct xf_source);
    j->src->path = j->display;
    j->src->text = text;
    j->src->len = len;
    switch (j->kind) {
    case J_YAML:
        j->err = xf_yaml_parse_in(&j->yroot, &w->scratch, w->keep, j->src, &j->diags);
        return;
    case J_SEED:
        break;
    default:
        j->err = xf_tmpl_parse(&j->tmpl, w->keep, j->src, 0, len, &j->diags);
        break;
    }
    if (j->kind != J_MACRO && j->kind != J_DOCS)
        xf_sha256_hex(j->checksum, text, len);
}

static void *worker_main(void *arg)
{
    struct pool *pool = ((void **)arg)[0];
    struct worker *w = ((void **)arg)[1];
    for (;;) {
        size_t i = atomic_fetch_add(&pool->next, 1);
        if (i >= pool->n)
            break;
        run_job(&pool->jobs[i], w);
    }
    return NULL;
}

/* Worker 0 is the calling thread and keeps its results in the project
 * arena; the others get arenas that the project owns. */
static struct worker *workers_new(struct xf_loader *l, size_t njobs, size_t *nw_out)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nw = njobs < PARALLEL_MIN_JOBS || cpus < 2 ? 1 : (size_t)cpus;
    if (nw > MAX_WORKERS)
        nw = MAX_WORKERS;
    struct worker *w = xf_calloc(nw, sizeof *w);
    struct xf_project *p = l->p;
    /* Each unit (the project, then each package) adds its workers' arenas. */
    size_t base = p->nworker_arenas;
    if (nw > 1)
        p->worker_arenas = xf_realloc(p->worker_arenas, (base + nw - 1) * sizeof *p->worker_arenas);
    p->nworker_arenas = base + nw - 1;
    for (size_t i = 0; i < nw; i++) {
        w[i].keep = i == 0 ? l->a : &p->worker_arenas[base + i - 1];
        if (i)
            xf_arena_init(w[i].keep);
        xf_arena_init(&w[i].scratch);
    }
    *nw_out = nw;
    return w;
}

static void run_jobs(struct worker *w, size_t nw, struct job *jobs, size_t n)
{
    if (n < nw)
        nw = n ? n : 1;
    struct pool pool = {jobs, n, 0, w};
    pthread_t *th = nw > 1 ? xf_calloc(nw - 1, sizeof *th) : NULL;
    void *(*args)[2] = xf_calloc(nw, sizeof *args);
    size_t started = 0;
    for (size_t i = 0; i < nw; i++) {
        args[i][0] = &pool;
        args[i][1] = &w[i];
    }
    for (size_t i = 1; i < nw; i++) {
        if (pthread_create(&th[i - 1], NULL, worker_main, args[i]) != 0)
            break; /* the threads started (and this one) do the rest */
        started++;
    }
    worker_main(args[0]);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
    free(args);
}

/* ---- nodes ---- */

static struct xf_node *new_node(struct xf_loader *l, enum xf_resource type, const char *name,
                                const struct job *j, const char *fqn_prefix, const char *fqn_extra)
{
    return xf_loader_new_node(l, type, name, j->rel, j->ofp, j->src, j->tmpl, j->checksum,
                              fqn_prefix, fqn_extra);
}

static enum xf_resource res_of(enum job_kind k)
{
    switch (k) {
    case J_SEED:
        return XF_RES_SEED;
    case J_SNAPSHOT:
        return XF_RES_SNAPSHOT;
    case J_ANALYSIS:
        return XF_RES_ANALYSIS;
    case J_TEST:
        return XF_RES_TEST;
    default:
        return XF_RES_MODEL;
    }
}

/* Models, analyses, singular tests and seeds: one node per file. */
static void file_node(struct xf_loader *l, const struct job *j)
{
    enum xf_resource type = res_of(j->kind);
    struct xf_node *n = new_node(l, type, xf_path_stem(l->a, j->rel), j,
                                 type == XF_RES_ANALYSIS ? "analysis" : NULL, NULL);
    if (type == XF_RES_SEED)
        n->csv_path = j->full;
    if (type == XF_RES_ANALYSIS) /* as dbt: its compiled path */
        n->path = xf_loader_cat(l->a, "analysis", "/", j->rel);
    xf_loader_add_node(l, n, (struct xf_loc){j->src, 0, 0});
}

static void snapshot_nodes(struct xf_loader *l, const struct job *j)
{
    const struct xf_block *blocks;
    size_t nb = xf_tmpl_blocks(j->tmpl, &blocks), found = 0;
    const char *stem = xf_path_stem(l->a, j->rel);
    for (size_t b = 0; b < nb; b++) {
        if (blocks[b].kind != XF_BLOCK_SNAPSHOT)
            continue;
        found++;
        struct xf_node *n =
            new_node(l, XF_RES_SNAPSHOT, xf_arena_strdups(l->a, blocks[b].name), j, NULL, stem);
        n->tmpl = blocks[b].tmpl;
        xf_loader_add_node(l, n, blocks[b].loc);
    }
    if (!found) {
        struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_WARNING, (struct xf_loc){j->src, 0, 0},
                                        "'%s' has no snapshot block", j->display);
        xf_diag_hint(g, "wrap the query in {%% snapshot name %%} ... {%% endsnapshot %%}");
    }
}

static void dup_block_error(struct xf_loader *l, const char *what, const struct xf_block *b,
                            struct xf_loc first)
{
    unsigned line, col;
    xf_loc_linecol(first.src, first.off, &line, &col);
    struct xf_diag *g = xf_diag_add(l->diags, XF_SEV_ERROR, b->loc, "duplicate %s '" XF_STR_FMT "'",
                                    what, XF_STR_ARG(b->name));
    xf_diag_hint(g, "'" XF_STR_FMT "' is also defined at %s:%u:%u", XF_STR_ARG(b->name),
                 first.src->path, line, col);
}

static void macros_of(struct xf_loader *l, const struct job *j)
{
    const struct xf_block *blocks;
    size_t nb = xf_tmpl_blocks(j->tmpl, &blocks);
    for (size_t b = 0; b < nb; b++) {
        const struct xf_block *bl = &blocks[b];
        /* The engine names blocks as dbt names the macros: "test_not_null",
         * "materialization_table_default". */
        if (bl->kind != XF_BLOCK_MACRO && bl->kind != XF_BLOCK_TEST &&
            bl->kind != XF_BLOCK_MATERIALIZATION)
            continue;
        const char *name = xf_arena_strdups(l->a, bl->name);
        bool found;
        void **slot = xf_map_slot(&l->u->macro_names, xf_str_c(name), &found);
        if (found) {
            const struct xf_macro_def *o = *slot;
            dup_block_error(l, "macro", bl, o->block->loc);
            continue;
        }
        struct xf_macro_def *m = XF_ANEW(l->a, struct xf_macro_def);
        m->name = name;
        m->unique_id = xf_loader_cat(l->a, l->u->uid_prefix_macro, ".", name);
        m->package = l->u->name;
        m->path = j->rel;
        m->original_file_path = j->ofp;
        m->block = bl;
        m->src = j->src;
        m->description = "";
        *slot = m;
        xf_avec_push(l->a, &l->p->macros, m);
    }
}

static void docs_of(struct xf_loader *l, const struct job *j)
{
    const struct xf_block *blocks;
    size_t nb = xf_tmpl_blocks(j->tmpl, &blocks);
    for (size_t b = 0; b < nb; b++) {
        const struct xf_block *bl = &blocks[b];
        if (bl->kind != XF_BLOCK_DOCS)
            continue;
        bool found;
        void **slot = xf_map_slot(&l->u->doc_names, bl->name, &found);
        if (found) {
            const struct xf_doc_def *o = *slot;
            dup_block_error(l, "docs block", bl, o->loc);
            continue;
        }
        struct xf_doc_def *d = XF_ANEW(l->a, struct xf_doc_def);
        d->name = xf_arena_strdups(l->a, bl->name);
        d->unique_id = xf_arena_printf(l->a, "doc.%s.%s", l->u->name, d->name);
        d->package = l->u->name;
        d->path = j->rel;
        d->original_file_path = j->ofp;
        d->text = bl->body;
        d->loc = bl->loc;
        *slot = d;
        xf_avec_push(l->a, &l->p->docs, d);
    }
}

/* Seeds are parsed after the properties files: `delimiter` may come from there. */
static void parse_seeds(struct xf_loader *l, size_t first)
{
    for (size_t i = first; i < l->p->nodes.n; i++) {
        struct xf_node *n = l->p->nodes.v[i];
        if (n->type != XF_RES_SEED)
            continue;
        const char *d = xf_node_config_str(n, "delimiter", ",");
        if (strlen(d) != 1) {
            xf_error(l->diags, n->props_loc.src ? n->props_loc : (struct xf_loc){n->src, 0, 0},
                     "the delimiter of seed '%s' must be one character, not '%s'", n->name, d);
            continue;
        }
        struct xf_csv *csv = XF_ANEW(l->a, struct xf_csv);
        if (xf_csv_parse(csv, l->a, n->src, d[0], l->diags) == 0)
            n->csv = csv;
    }
}

/* ---- the plan ---- */

typedef XF_VEC(struct job) jobvec;

static void add_jobs(struct xf_loader *l, jobvec *jobs, const struct xf_value *paths,
                     enum job_kind kind, const char *ext, const char *only, const char *skip)
{
    for (size_t pi = 0; pi < paths->u.l->n; pi++) {
        const char *rp = paths->u.l->items[pi].u.s.p;
        struct listing *ls = list_dir(l, rp);
        size_t onlyn = only ? strlen(only) : 0, skipn = skip ? strlen(skip) : 0;
        for (size_t i = 0; i < ls->n; i++) {
            const char *rel = ls->files[i];
            if (kind == J_YAML ? !(has_ext(rel, ".yml") || has_ext(rel, ".yaml"))
                               : !has_ext(rel, ext))
                continue;
            if ((only && strncmp(rel, only, onlyn)) || (skip && !strncmp(rel, skip, skipn)))
                continue;
            /* unit test fixtures (parser/unit_tests.c) are data, not singular tests */
            if (kind == J_TEST && !strncmp(rel, "fixtures/", 9))
                continue;
            struct job j = {0};
            j.kind = kind;
            j.respath = rp;
            j.rel = rel;
            j.ofp = xf_loader_join_path(l->a, rp, rel);
            j.display = *l->u->dir ? xf_loader_cat(l->a, l->u->dir, "", j.ofp) : j.ofp;
            j.full = xf_loader_join_path(l->a, l->u->root, j.ofp);
            xf_vec_push(jobs, j);
        }
    }
}

/* The properties folders: each once, even when two kinds share it. */
static void add_yaml_jobs(struct xf_loader *l, jobvec *jobs)
{
    const struct xf_unit *u = l->u;
    const struct xf_value *lists[] = {u->paths[XF_UPATH_MODEL],    u->paths[XF_UPATH_SEED],
                                      u->paths[XF_UPATH_SNAPSHOT], u->paths[XF_UPATH_ANALYSIS],
                                      u->paths[XF_UPATH_TEST],     u->paths[XF_UPATH_MACRO]};
    struct xf_map seen;
    xf_map_init(&seen);
    struct xf_value one = xf_v_list(l->a, 1);
    for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++) {
        for (size_t pi = 0; pi < lists[k]->u.l->n; pi++) {
            struct xf_value rp = lists[k]->u.l->items[pi];
            if (xf_map_put(&seen, rp.u.s, (void *)1))
                continue;
            one.u.l->n = 0;
            xf_list_push(l->a, one.u.l, rp);
            add_jobs(l, jobs, &one, J_YAML, NULL, NULL, NULL);
        }
    }
    xf_map_release(&seen);
}

/* In file order, on this thread: nodes, macros, docs, properties. */
static void apply_jobs(struct xf_loader *l, struct job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct job *j = &jobs[i];
        xf_diags_move(l->diags, &j->diags);
        xf_diags_release(&j->diags);
        if (j->src)
            xf_avec_push(l->a, &l->p->files, j->src);
        if (j->err < 0)
            continue;
        switch (j->kind) {
        case J_MACRO:
            macros_of(l, j);
            break;
        case J_DOCS:
            docs_of(l, j);
            break;
        case J_SNAPSHOT:
            snapshot_nodes(l, j);
            break;
        case J_YAML:
            xf_loader_schema_tree(l, j->src, j->rel, j->yroot);
            break;
        default:
            file_node(l, j);
            break;
        }
    }
}

int xf_loader_discover(struct xf_loader *l)
{
    struct xf_project *p = l->p;
    jobvec jobs = {0};
    size_t first_node = p->nodes.n;
    const struct xf_value *const *up = l->u->paths;
    add_jobs(l, &jobs, up[XF_UPATH_MACRO], J_MACRO, ".sql", NULL, NULL);
    add_jobs(l, &jobs, up[XF_UPATH_TEST], J_MACRO, ".sql", "generic/", NULL);
    add_jobs(l, &jobs, up[XF_UPATH_MODEL], J_MODEL, ".sql", NULL, NULL);
    add_jobs(l, &jobs, up[XF_UPATH_SEED], J_SEED, ".csv", NULL, NULL);
    add_jobs(l, &jobs, up[XF_UPATH_SNAPSHOT], J_SNAPSHOT, ".sql", NULL, NULL);
    add_jobs(l, &jobs, up[XF_UPATH_ANALYSIS], J_ANALYSIS, ".sql", NULL, NULL);
    add_jobs(l, &jobs, up[XF_UPATH_TEST], J_TEST, ".sql", NULL, "generic/");
    add_jobs(l, &jobs, up[XF_UPATH_DOCS], J_DOCS, ".md", NULL, NULL);
    add_yaml_jobs(l, &jobs);
    for (size_t i = 0; i < jobs.n; i++)
        xf_diags_init(&jobs.v[i].diags);

    size_t nw, nyaml = 0;
    struct worker *w = workers_new(l, jobs.n, &nw);
    while (nyaml < jobs.n && jobs.v[jobs.n - 1 - nyaml].kind == J_YAML)
        nyaml++;
    size_t first_yaml = jobs.n - nyaml;
    xf_avec_reserve(l->a, &p->files, p->files.n + jobs.n);
    run_jobs(w, nw, jobs.v, first_yaml);
    apply_jobs(l, jobs.v, first_yaml);
    /* Properties files last (they describe the nodes), in batches so that
     * only a few parsed trees are alive at a time. */
    for (size_t b = first_yaml; b < jobs.n; b += YAML_BATCH * nw) {
        size_t n = jobs.n - b < YAML_BATCH * nw ? jobs.n - b : YAML_BATCH * nw;
        run_jobs(w, nw, jobs.v + b, n);
        apply_jobs(l, jobs.v + b, n);
        for (size_t i = 0; i < nw; i++)
            xf_arena_release(&w[i].scratch);
    }
    free(w);
    xf_vec_release(&jobs);
    parse_seeds(l, first_node);
    return 0;
}
