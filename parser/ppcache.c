// SPDX-License-Identifier: MIT
/*
 * The partial-parse cache: a record of every input a load looked at, so
 * that the next command can tell in milliseconds that nothing changed.
 * Files are compared by size, mtime, ctime and inode first and re-hashed
 * only when they are "racy" (changed too close to the load to trust the
 * times, as git does). Binary, versioned, checksummed; written to a
 * temporary file and renamed. Anything unexpected reads as a miss.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "parser/ppcache.h"
#include "parser/yaml.h"
#include "util/map.h"
#include "util/path.h"
#include "util/wire.h"

extern char **environ;

#define MAGIC "XFPPCACH"
#define FORMAT 2u
/* Records kept: one per command line (compile, ls -s x, ...), newest first. */
#define KEEP 4u
/* Entries from which the check runs on two threads (a thread costs ~50 us). */
#ifndef TWO_THREADS
#define TWO_THREADS 4096u
#endif
/* Times closer than this to the load's start are not trusted (file
 * systems stamp with a coarse clock: a jiffy, up to 10 ms). */
#define RACY_NS 100000000LL

enum kind { E_ABSENT, E_FILE, E_DIR, E_OUT, E_OUTDIR };

/* ---- small helpers ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}
#define FNV0 0xcbf29ce484222325ULL

/* A file's content: FNV-1a's step over 8-byte words (8x fewer steps), the tail by bytes. */
static uint64_t content_hash(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = FNV0 ^ (uint64_t)n;
    for (; n >= 8; s += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h ^= w;
        h *= 0x100000001b3ULL;
        h ^= h >> 29;
    }
    return fnv(h, s, n);
}

int64_t xf_ppcache_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t ns(struct timespec t)
{
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static bool falsy(const char *v)
{
    return v && (!strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "no") ||
                 !strcasecmp(v, "off"));
}

bool xf_ppcache_disabled(int flag)
{
    if (flag >= 0)
        return flag == 0;
    return falsy(getenv("XFORM_PARTIAL_PARSE")) || falsy(getenv("DBT_PARTIAL_PARSE"));
}

const char *xf_ppcache_target_dir(struct xf_arena *a, const char *project_dir,
                                  const char *target_path)
{
    const char *root = project_dir && *project_dir ? project_dir : ".";
    if (target_path && *target_path)
        return xf_path_join(a, root, target_path);
    static const char *const names[] = {"xform_project.yml", "dbt_project.yml"};
    for (size_t i = 0; i < 2; i++) {
        const char *f = xf_path_join(a, root, names[i]);
        struct xf_buf b = XF_BUF_INIT;
        if (xf_read_file(&b, f) < 0) {
            xf_buf_release(&b);
            continue;
        }
        /* a line "target-path: x" at column 0; anything unusual: no cache */
        const char *tp = "target";
        bool ok = true;
        for (const char *s = b.ptr; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL) {
            if (strncmp(s, "target-path:", 12))
                continue;
            const char *v = s + 12;
            v += strspn(v, " \t");
            size_t n = strcspn(v, "\r\n#");
            while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
                n--;
            if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0])
                v++, n -= 2;
            if (!n || memchr(v, '{', n) || memchr(v, '"', n) || memchr(v, '\'', n))
                ok = false;
            else
                tp = xf_arena_strndup(a, v, n);
        }
        xf_buf_release(&b);
        return ok ? xf_path_join(a, root, tp) : NULL;
    }
    return NULL;
}

bool xf_ppcache_project_off(const char *project_dir)
{
    const char *root = project_dir && *project_dir ? project_dir : ".";
    static const char *const names[] = {"xform_project.yml", "dbt_project.yml"};
    struct xf_arena a;
    xf_arena_init(&a);
    bool off = false;
    for (size_t i = 0; i < 2; i++) {
        struct xf_buf b = XF_BUF_INIT;
        if (xf_read_file(&b, xf_path_join(&a, root, names[i])) < 0) {
            xf_buf_release(&b);
            continue;
        }
        /* "flags:" at column 0, then an indented "partial_parse: <false>" */
        bool in_flags = false;
        for (const char *s = b.ptr; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL) {
            if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '#') {
                in_flags = !strncmp(s, "flags:", 6);
                continue;
            }
            const char *t = s + strspn(s, " \t");
            if (!in_flags || strncmp(t, "partial_parse:", 14))
                continue;
            t += 14;
            t += strspn(t, " \t\"'");
            size_t n = strcspn(t, " \t\"'#\r\n");
            char v[8] = {0};
            if (n < sizeof v)
                memcpy(v, t, n);
            off |= falsy(v);
        }
        xf_buf_release(&b);
        break;
    }
    xf_arena_release(&a);
    return off;
}

/* ---- the world as seen now ---- */

struct skey {
    uint64_t size, ino;
    int64_t mtime, ctime;
};

static void skey_of(struct skey *k, const struct stat *st)
{
    k->size = (uint64_t)st->st_size;
    k->ino = (uint64_t)st->st_ino;
    k->mtime = ns(st->st_mtim);
    k->ctime = ns(st->st_ctim);
}

static bool racy(const struct stat *st, int64_t load_start)
{
    int64_t t = ns(st->st_mtim) > ns(st->st_ctim) ? ns(st->st_mtim) : ns(st->st_ctim);
    return t >= load_start - RACY_NS;
}

/* Listing entries are a type letter then the name: sorted by name. */
static int cmp_names_by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

/*
 * A folder's sorted names, each with 'd' (folder), 'f' (file) or 'o'.
 * Returns the hash of the listing; *names (heap, each heap) when asked.
 */
static int list_dir(const char *path, uint64_t *hash, char ***names_out, size_t *n_out)
{
    DIR *d = opendir(path);
    if (!d)
        return -errno;
    XF_VEC(char *) v = {0};
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char t = 'o';
        unsigned char dt = e->d_type;
        if (dt == DT_UNKNOWN || dt == DT_LNK) {
            struct stat st;
            if (fstatat(dirfd(d), e->d_name, &st, 0) == 0)
                dt = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
        }
        t = dt == DT_DIR ? 'd' : dt == DT_REG ? 'f' : 'o';
        size_t l = strlen(e->d_name);
        char *s = xf_malloc(l + 2);
        s[0] = t;
        memcpy(s + 1, e->d_name, l + 1);
        xf_vec_push(&v, s);
    }
    closedir(d);
    if (v.n > 1)
        qsort(v.v, v.n, sizeof *v.v, cmp_names_by_name);
    uint64_t h = FNV0;
    for (size_t i = 0; i < v.n; i++)
        h = fnv(h, v.v[i], strlen(v.v[i]) + 1);
    *hash = h;
    if (names_out) {
        *names_out = v.v;
        *n_out = v.n;
    } else {
        for (size_t i = 0; i < v.n; i++)
            free(v.v[i]);
        xf_vec_release(&v);
    }
    return 0;
}

/* ---- the environment templates can read ---- */

static bool env_watched(const char *name, size_t n)
{
    return (n >= 4 && !strncmp(name, "DBT_", 4)) || (n >= 6 && !strncmp(name, "XFORM_", 6)) ||
           (n >= 3 && !strncmp(name, "XF_", 3)) || (n == 4 && !strncmp(name, "HOME", 4));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The hash of NAME=VALUE (or NAME unset) over the watched variables, the
 * `names` read by env_var() and, with `all`, every variable there is.
 */
static uint64_t env_hash(const char *names, size_t names_len, bool all)
{
    XF_VEC(const char *) v = {0};
    for (char **e = environ; e && *e; e++) {
        size_t n = strcspn(*e, "=");
        if (all || env_watched(*e, n))
            xf_vec_push(&v, *e);
    }
    if (v.n > 1)
        qsort(v.v, v.n, sizeof *v.v, cmp_str);
    uint64_t h = FNV0;
    for (size_t i = 0; i < v.n; i++)
        h = fnv(h, v.v[i], strlen(v.v[i]) + 1);
    xf_vec_release(&v);
    h = fnv(h, "\x01", 1);
    for (const char *s = names; s < names + names_len; s += strlen(s) + 1) {
        const char *val = getenv(s);
        h = fnv(h, s, strlen(s) + 1);
        h = val ? fnv(h, val, strlen(val) + 1) : fnv(h, "\x02", 1);
    }
    return h;
}

/* ---- the scan of Jinja tags: env_var() names, volatile words ---- */

struct scan {
    struct xf_buf names; /* env_var('X') names, NUL-separated */
    struct xf_map seen;
    bool dynamic_env; /* env_var(something not a literal) */
    bool reads_which; /* flags.WHICH: the command's name is an input */
    const char *volatile_word, *volatile_file;
    /* the same for the parse records, whose renders are parse mode only: log() and
     * print() print nothing there, a warning is never recorded, and a render that
     * reads the clock says so itself (xf_render_env.impure) */
    const char *rvolatile_word, *rvolatile_file;
};

static bool ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool ident_char(char c)
{
    return ident_start(c) || (c >= '0' && c <= '9');
}

static const char *const volatile_words[] = {
    "run_started_at", "invocation_id", "modules", "thread_id", "random", "log", "print", "warn"};
static const char *const rvolatile_words[] = {"run_started_at", "invocation_id", "thread_id"};

static void scan_tag(struct scan *sc, const char *path, const char *s, const char *end)
{
    while (s < end) {
        char c = *s;
        if (c == '\'' || c == '"') {
            const char *q = s + 1;
            while (q < end && *q != c)
                q += (*q == '\\' && q + 1 < end) ? 2 : 1;
            /* context['env_var'] and the like: reached by name, not seen as a call */
            size_t ln = (size_t)(q - s - 1);
            if ((ln == 7 && !memcmp(s + 1, "env_var", 7)))
                sc->dynamic_env = true;
            if (!sc->volatile_word && ((ln == 14 && !memcmp(s + 1, "run_started_at", 14)) ||
                                       (ln == 13 && !memcmp(s + 1, "invocation_id", 13)))) {
                sc->volatile_word = ln == 14 ? "run_started_at" : "invocation_id";
                sc->volatile_file = path;
            }
            if (!sc->rvolatile_word && ((ln == 14 && !memcmp(s + 1, "run_started_at", 14)) ||
                                        (ln == 13 && !memcmp(s + 1, "invocation_id", 13)))) {
                sc->rvolatile_word = ln == 14 ? "run_started_at" : "invocation_id";
                sc->rvolatile_file = path;
            }
            s = q < end ? q + 1 : end;
            continue;
        }
        if (!ident_start(c)) {
            s++;
            continue;
        }
        const char *w = s;
        while (s < end && ident_char(*s))
            s++;
        size_t n = (size_t)(s - w);
        if (n == 7 && !memcmp(w, "env_var", 7)) {
            const char *q = s;
            while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
                q++;
            if (q >= end || *q != '(') {
                sc->dynamic_env = true; /* passed around as a value: called with anything */
                continue;
            }
            q++;
            while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
                q++;
            char qc = q < end ? *q : 0;
            const char *nm = q + 1, *ne = nm;
            while (ne < end && *ne != qc && *ne != '\\')
                ne++;
            const char *after = ne + 1;
            while (after < end &&
                   (*after == ' ' || *after == '\t' || *after == '\n' || *after == '\r'))
                after++;
            /* env_var('A' ~ x): the name is not the literal */
            if ((qc != '\'' && qc != '"') || ne >= end || *ne != qc || after >= end ||
                (*after != ')' && *after != ',')) {
                sc->dynamic_env = true;
                continue;
            }
            bool found;
            void **slot = xf_map_slot(&sc->seen, xf_str_n(nm, (size_t)(ne - nm)), &found);
            if (!found) {
                *slot = (void *)1;
                xf_buf_add(&sc->names, nm, (size_t)(ne - nm));
                xf_buf_addch(&sc->names, 0);
            }
            continue;
        }
        if (n == 5 && !memcmp(w, "WHICH", 5))
            sc->reads_which = true;
        for (size_t k = 0; k < sizeof volatile_words / sizeof *volatile_words; k++) {
            if (strlen(volatile_words[k]) == n && !memcmp(w, volatile_words[k], n) &&
                !sc->volatile_word) {
                sc->volatile_word = volatile_words[k];
                sc->volatile_file = path;
            }
        }
        for (size_t k = 0; k < sizeof rvolatile_words / sizeof *rvolatile_words; k++) {
            if (strlen(rvolatile_words[k]) == n && !memcmp(w, rvolatile_words[k], n) &&
                !sc->rvolatile_word) {
                sc->rvolatile_word = rvolatile_words[k];
                sc->rvolatile_file = path;
            }
        }
    }
}

static void scan_text(struct scan *sc, const char *path, const char *t, size_t len)
{
    const char *end = t + len, *s = t;
    while (s < end && (s = memchr(s, '{', (size_t)(end - s))) && s + 1 < end) {
        char o = s[1];
        if (o != '{' && o != '%' && o != '#') {
            s++;
            continue;
        }
        const char *close = o == '{' ? "}}" : o == '%' ? "%}" : "#}";
        const char *b = s + 2, *e = b;
        while (e + 1 < end && !(e[0] == close[0] && e[1] == close[1]))
            e++;
        if (o != '#')
            scan_tag(sc, path, b, e);
        s = e + 2;
    }
}

static void scan_project(struct scan *sc, const struct xf_project *p)
{
    xf_map_init(&sc->seen);
    for (size_t i = 0; i < p->files.n; i++)
        scan_text(sc, p->files.v[i]->path, p->files.v[i]->text, p->files.v[i]->len);
}

static void scan_release(struct scan *sc)
{
    xf_buf_release(&sc->names);
    xf_map_release(&sc->seen);
}

/* What one scan of a project found, kept on the project (both caches ask). */
struct xf_ppscan {
    const char *names; /* env_var('X') names, NUL-separated */
    size_t names_len;
    bool dynamic_env, reads_which;
    const char *volatile_word, *volatile_file;
    const char *rvolatile_word, *rvolatile_file; /* for the parse records */
};

static const struct xf_ppscan *scan_of(const struct xf_project *p)
{
    if (p->ppscan && p->files.n == p->ppscan_nfiles)
        return p->ppscan;
    struct scan sc = {.names = XF_BUF_INIT};
    scan_project(&sc, p);
    /* the project's arena and its memo: the project is const to its readers, not this cache */
    struct xf_project *w = (struct xf_project *)p;
    struct xf_ppscan *m = XF_ANEW(&w->arena, struct xf_ppscan);
    char *names = xf_arena_alloc(&w->arena, sc.names.len + 1);
    if (sc.names.len)
        memcpy(names, sc.names.ptr, sc.names.len);
    m->names = names;
    m->names_len = sc.names.len;
    m->dynamic_env = sc.dynamic_env;
    m->reads_which = sc.reads_which;
    m->volatile_word = sc.volatile_word;
    m->volatile_file = sc.volatile_file;
    m->rvolatile_word = sc.rvolatile_word;
    m->rvolatile_file = sc.rvolatile_file;
    scan_release(&sc);
    w->ppscan = m;
    w->ppscan_nfiles = p->files.n;
    return m;
}

void xf_ppcache_identity(struct xf_buf *b)
{
    xf_buf_adds(b, "xform " XF_VERSION "\n");
    struct stat st;
    if (stat("/proc/self/exe", &st) == 0) /* another build of the same version is another binary */
        xf_buf_addf(b, "%llu %llu %lld.%09ld\n", (unsigned long long)st.st_ino,
                    (unsigned long long)st.st_size, (long long)st.st_mtim.tv_sec,
                    st.st_mtim.tv_nsec);
    char cwd[4096];
    xf_buf_adds(b, getcwd(cwd, sizeof cwd) ? cwd : "?");
}

uint64_t xf_ppcache_content_hash(const void *p, size_t n)
{
    return content_hash(p, n);
}

bool xf_ppcache_fingerprint_env(const struct xf_project *p, uint64_t *env, bool *reads_which,
                                struct xf_buf *why)
{
    const struct xf_ppscan *sc = scan_of(p);
    bool ok = sc->rvolatile_word == NULL;
    if (!ok)
        xf_buf_addf(why, "'%s' reads '%s', which can differ from one run to the next",
                    sc->rvolatile_file, sc->rvolatile_word);
    else
        *env = env_hash(sc->names, sc->names_len, sc->dynamic_env);
    *reads_which = sc->reads_which;
    return ok;
}

bool xf_ppcache_volatile(const struct xf_project *p, struct xf_buf *why)
{
    const struct xf_ppscan *sc = scan_of(p);
    bool v = sc->volatile_word != NULL;
    if (v && why)
        xf_buf_addf(why, "'%s' reads '%s', which can differ from one run to the next",
                    sc->volatile_file, sc->volatile_word);
    return v;
}

/* ---- saving ---- */

struct saver {
    const struct xf_ppcache_save *in;
    struct xf_arena a;
    struct xf_buf ents;
    uint32_t nents;
    struct xf_map loaded; /* full path -> source */
    struct xf_map seen;   /* full path -> recorded */
    struct xf_buf *why;
    bool abort;
};

static void put_ent(struct saver *sv, enum kind k, bool is_racy, const char *path,
                    const struct skey *key, uint64_t hash)
{
    unsigned char hdr[2] = {(unsigned char)k, (unsigned char)is_racy};
    xf_wire_put(&sv->ents, hdr, 2);
    xf_wire_putstr(&sv->ents, path, strlen(path));
    struct skey z = {0};
    if (!key)
        key = &z;
    xf_wire_put64(&sv->ents, key->size);
    xf_wire_put64(&sv->ents, key->ino);
    xf_wire_put64(&sv->ents, (uint64_t)key->mtime);
    xf_wire_put64(&sv->ents, (uint64_t)key->ctime);
    xf_wire_put64(&sv->ents, hash);
    sv->nents++;
}

static bool first_time(struct saver *sv, const char *full)
{
    bool found;
    void **slot = xf_map_slot(&sv->seen, xf_str_c(full), &found);
    if (!found)
        *slot = (void *)1;
    return !found;
}

static void stop(struct saver *sv, const char *fmt, const char *path)
{
    if (!sv->abort && sv->why)
        xf_buf_addf(sv->why, fmt, path);
    sv->abort = true;
}

/* `dfd`/`name`: the file as seen from its open folder (one lookup), or -1: by `full`. */
static void record_file_at(struct saver *sv, int dfd, const char *name, const char *full,
                           bool output)
{
    if (sv->abort || !first_time(sv, full))
        return;
    struct stat st;
    if ((dfd >= 0 ? fstatat(dfd, name, &st, 0) : stat(full, &st)) < 0) {
        if (xf_map_getc(&sv->loaded, full))
            stop(sv, "'%s' was removed while loading", full);
        put_ent(sv, E_ABSENT, false, full, NULL, 0);
        return;
    }
    struct skey k;
    skey_of(&k, &st);
    if (output) {
        put_ent(sv, E_OUT, false, full, &k, 0);
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        stop(sv, "'%s' is not a regular file", full);
        return;
    }
    const struct xf_source *src = xf_map_getc(&sv->loaded, full);
    bool r = racy(&st, sv->in->load_start);
    uint64_t h;
    if (src) {
        if (src->len != k.size) {
            stop(sv, "'%s' changed while loading", full);
            return;
        }
        h = content_hash(src->text, src->len);
    } else {
        /* not read by the load (its presence counts): trusted only when old */
        if (r) {
            stop(sv, "'%s' changed while loading", full);
            return;
        }
        struct xf_buf b = XF_BUF_INIT;
        if (xf_read_file(&b, full) < 0) {
            xf_buf_release(&b);
            stop(sv, "cannot read '%s'", full);
            return;
        }
        h = content_hash(b.ptr, b.len);
        xf_buf_release(&b);
    }
    put_ent(sv, E_FILE, r, full, &k, h);
}

static void record_file(struct saver *sv, const char *full, bool output)
{
    record_file_at(sv, -1, NULL, full, output);
}

/*
 * A folder of outputs: its times, and each sub-folder's, from descriptors
 * (no listing kept: a folder of outputs is compared by its times alone).
 */
static void walk_out(struct saver *sv, int fd, const char *full)
{
    struct stat st;
    DIR *d = fdopendir(fd);
    if (!d || fstat(fd, &st) < 0) {
        if (d)
            closedir(d);
        else
            close(fd);
        stop(sv, "cannot list '%s'", full);
        return;
    }
    struct skey k;
    skey_of(&k, &st);
    put_ent(sv, E_OUTDIR, false, full, &k, 0);
    struct dirent *e;
    while (!sv->abort && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        unsigned char dt = e->d_type;
        if (dt == DT_UNKNOWN) {
            struct stat cs;
            dt = fstatat(dirfd(d), e->d_name, &cs, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(cs.st_mode)
                     ? DT_DIR
                     : DT_REG;
        }
        if (dt != DT_DIR)
            continue;
        int cfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        const char *child = xf_path_join(&sv->a, full, e->d_name);
        if (cfd < 0)
            stop(sv, "cannot list '%s'", child);
        else
            walk_out(sv, cfd, child);
    }
    closedir(d);
}

static void walk(struct saver *sv, const char *full, bool output)
{
    if (sv->abort)
        return;
    struct stat st;
    if (stat(full, &st) < 0 || !S_ISDIR(st.st_mode)) {
        record_file(sv, full, output);
        return;
    }
    if (!first_time(sv, full))
        return;
    if (output) {
        int fd = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            stop(sv, "cannot list '%s'", full);
        else
            walk_out(sv, fd, full);
        return;
    }
    /* a folder changed near the load: its listing is checked every time (a
     * name the load did not see is a racy file it did not read: we stop there) */
    bool r = !output && racy(&st, sv->in->load_start);
    uint64_t h;
    char **names = NULL;
    size_t n = 0;
    if (list_dir(full, &h, &names, &n) < 0) {
        stop(sv, "cannot list '%s'", full);
        return;
    }
    struct skey k;
    skey_of(&k, &st);
    put_ent(sv, E_DIR, r, full, &k, h);
    int dfd = open(full, O_PATH | O_DIRECTORY | O_CLOEXEC);
    for (size_t i = 0; i < n; i++) {
        if (names[i][0] != 'o') {
            const char *child = xf_path_join(&sv->a, full, names[i] + 1);
            if (names[i][0] == 'd')
                walk(sv, child, false);
            else
                record_file_at(sv, dfd, names[i] + 1, child, false);
        }
        free(names[i]);
    }
    if (dfd >= 0)
        close(dfd);
    free(names);
}

static void walk_paths(struct saver *sv, const char *root, const struct xf_value *paths)
{
    if (!paths || paths->t != XF_V_LIST)
        return;
    for (size_t i = 0; i < paths->u.l->n; i++) {
        const struct xf_value *v = &paths->u.l->items[i];
        if (v->t == XF_V_STR)
            walk(sv, xf_path_join(&sv->a, root, xf_arena_strndup(&sv->a, v->u.s.p, v->u.s.len)),
                 false);
    }
}

/* Files a load reads or probes outside the resource paths. */
static const char *const root_files[] = {"xform_project.yml", "dbt_project.yml",  "packages.yml",
                                         "dependencies.yml",  "package-lock.yml", "selectors.yml",
                                         "profiles.yml"};

static void record_unit(struct saver *sv, const char *root, const struct xf_value *const paths[7])
{
    for (size_t i = 0; i < sizeof root_files / sizeof *root_files; i++)
        record_file(sv, xf_path_join(&sv->a, root, root_files[i]), false);
    for (size_t i = 0; i < 7; i++)
        walk_paths(sv, root, paths[i]);
}

void xf_ppcache_remove(const char *path)
{
    if (path)
        unlink(path);
}

/* The file's header: false when it is not a cache (or is cut short); then its format and count. */
static bool get_header(struct xf_wire *h, uint32_t *fmt, uint32_t *n)
{
    char magic[8];
    xf_wire_get(h, magic, 8);
    *fmt = xf_wire_get32(h);
    *n = xf_wire_get32(h);
    return !h->bad && !memcmp(magic, MAGIC, 8);
}

int xf_ppcache_write(const char *path, const struct xf_ppcache_save *in, struct xf_buf *why)
{
    const struct xf_project *p = in->p;
    struct saver sv = {.in = in, .ents = XF_BUF_INIT, .why = why};
    xf_arena_init(&sv.a);
    xf_map_init(&sv.seen);
    xf_map_init(&sv.loaded);
    const struct xf_ppscan *sc = scan_of(p);
    struct xf_buf out = XF_BUF_INIT;
    int ret = 0;
    if (sc->volatile_word) {
        xf_buf_addf(why, "'%s' reads '%s', which can differ from one run to the next",
                    sc->volatile_file, sc->volatile_word);
        goto done;
    }
    for (size_t i = 0; i < p->files.n; i++) {
        const struct xf_source *s = p->files.v[i];
        xf_map_put(&sv.loaded, xf_str_c(xf_path_join(&sv.a, p->root, s->path)), (void *)s);
    }
    const char *home = getenv("HOME");
    const char *pdirs[4] = {getenv("XFORM_PROFILES_DIR"), getenv("DBT_PROFILES_DIR"),
                            home && *home ? xf_path_join(&sv.a, home, ".xform") : NULL,
                            home && *home ? xf_path_join(&sv.a, home, ".dbt") : NULL};
    for (size_t i = 0; i < 4; i++)
        if (pdirs[i] && *pdirs[i])
            record_file(&sv, xf_path_join(&sv.a, pdirs[i], "profiles.yml"), false);
    const struct xf_value *root_paths[7] = {&p->model_paths, &p->seed_paths,     &p->test_paths,
                                            &p->macro_paths, &p->snapshot_paths, &p->analysis_paths,
                                            &p->docs_paths};
    record_unit(&sv, p->root, root_paths);
    walk(&sv,
         xf_path_join(&sv.a, p->root,
                      p->packages_install_path ? p->packages_install_path : "dbt_packages"),
         false);
    for (size_t i = 0; i < p->packages.n; i++) {
        const struct xf_package *k = p->packages.v[i];
        const struct xf_value *pp[7] = {&k->model_paths, &k->seed_paths,     &k->test_paths,
                                        &k->macro_paths, &k->snapshot_paths, &k->analysis_paths,
                                        &k->docs_paths};
        record_unit(&sv, k->root, pp);
    }
    /* the files the load read outside the folders walked (profiles.yml ...) */
    for (size_t i = 0; i < p->files.n && !sv.abort; i++)
        record_file(&sv, xf_path_join(&sv.a, p->root, p->files.v[i]->path), false);
    for (size_t i = 0; i < in->nout_trees; i++)
        walk(&sv, in->out_trees[i], true);
    for (size_t i = 0; i < in->nout_files; i++)
        record_file(&sv, in->out_files[i], true);
    if (sv.abort)
        goto done;

    /* header, then the payload: key, environment, entries, replay */
    struct xf_buf pl = XF_BUF_INIT;
    xf_wire_putstr(&pl, in->key, strlen(in->key));
    xf_wire_putstr(&pl, sc->names, sc->names_len);
    unsigned char all = sc->dynamic_env;
    xf_wire_put(&pl, &all, 1);
    xf_wire_put64(&pl, env_hash(sc->names, sc->names_len, sc->dynamic_env));
    uint32_t ne = sv.nents;
    xf_wire_put(&pl, &ne, sizeof ne);
    xf_wire_put(&pl, sv.ents.ptr, sv.ents.len);
    xf_wire_putstr(&pl, in->replay ? in->replay : "", in->replay_len);
    /* the new record first, then up to KEEP-1 of the others (other commands) */
    struct xf_buf old = XF_BUF_INIT;
    struct xf_buf kept = XF_BUF_INIT;
    uint32_t nkept = 0;
    if (xf_read_file(&old, path) == 0) {
        struct xf_wire h = {old.ptr, old.len, 0, false};
        uint32_t fmt, n;
        bool ours = get_header(&h, &fmt, &n) && fmt == FORMAT;
        for (uint32_t i = 0; ours && !h.bad && i < n; i++) {
            size_t start = h.pos;
            uint64_t len = xf_wire_get64(&h);
            xf_wire_get64(&h);
            if (h.bad || len > h.len - h.pos)
                break;
            struct xf_wire r = {h.p + h.pos, (size_t)len, 0, false};
            size_t kl;
            const char *k = xf_wire_getstr(&r, &kl);
            h.pos += (size_t)len;
            if (r.bad || (kl == strlen(in->key) && !memcmp(k, in->key, kl)) || nkept + 1 >= KEEP)
                continue;
            xf_wire_put(&kept, old.ptr + start, h.pos - start);
            nkept++;
        }
    }
    xf_wire_put(&out, MAGIC, 8);
    uint32_t fmt = FORMAT, nrec = 1 + nkept;
    xf_wire_put(&out, &fmt, sizeof fmt);
    xf_wire_put(&out, &nrec, sizeof nrec);
    xf_wire_put64(&out, (uint64_t)pl.len);
    xf_wire_put64(&out, content_hash(pl.ptr, pl.len));
    xf_wire_put(&out, pl.ptr, pl.len);
    xf_wire_put(&out, kept.ptr, kept.len);
    xf_buf_release(&pl);
    xf_buf_release(&old);
    xf_buf_release(&kept);
    int e = xf_write_file(path, out.ptr, out.len);
    if (e < 0) {
        xf_buf_addf(why, "cannot write '%s': %s", path, strerror(-e));
        ret = -1;
        goto done;
    }
    ret = 1;
done:
    if (ret == 0)
        xf_ppcache_remove(path);
    xf_buf_release(&out);
    xf_buf_release(&sv.ents);
    xf_map_release(&sv.seen);
    xf_map_release(&sv.loaded);
    xf_arena_release(&sv.a);
    return ret;
}

/* ---- checking ---- */

void xf_ppcache_hit_release(struct xf_ppcache_hit *h)
{
    free(h->data);
    memset(h, 0, sizeof *h);
}

/*
 * Entries come folder by folder: a file is looked up from its folder's
 * descriptor (one path component, not the whole path walk, per stat).
 */
struct dircache {
    char dir[4096];
    int fd;
};

static int stat_in(struct dircache *dc, const char *path, struct stat *st)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return stat(path, st);
    size_t dl = (size_t)(slash - path);
    if (dl >= sizeof dc->dir)
        return stat(path, st);
    size_t ol = dc->fd >= 0 ? strlen(dc->dir) : 0;
    if (dc->fd < 0 || ol != dl || memcmp(dc->dir, path, dl)) {
        /* a child of the folder open now: one component from there */
        int nfd = -1;
        if (dc->fd >= 0 && dl > ol && path[ol] == '/' && !memcmp(dc->dir, path, ol) &&
            !memchr(path + ol + 1, '/', dl - ol - 1)) {
            char name[256];
            size_t nl = dl - ol - 1;
            if (nl < sizeof name) {
                memcpy(name, path + ol + 1, nl);
                name[nl] = 0;
                nfd = openat(dc->fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
            }
        }
        if (dc->fd >= 0)
            close(dc->fd);
        memcpy(dc->dir, path, dl);
        dc->dir[dl] = 0;
        dc->fd = nfd >= 0 ? nfd : open(dc->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dc->fd < 0)
            return stat(path, st);
    }
    return fstatat(dc->fd, slash + 1, st, 0);
}

/* 1: the entry is as recorded; 0: not (why). */
static int check_ent(struct xf_wire *r, struct dircache *dc, struct xf_buf *why, bool *refresh,
                     size_t *nfiles)
{
    unsigned char hdr[2];
    xf_wire_get(r, hdr, 2);
    size_t pl;
    const char *ps = xf_wire_getstr(r, &pl);
    struct skey k;
    k.size = xf_wire_get64(r);
    k.ino = xf_wire_get64(r);
    k.mtime = (int64_t)xf_wire_get64(r);
    k.ctime = (int64_t)xf_wire_get64(r);
    uint64_t hash = xf_wire_get64(r);
    if (r->bad || hdr[0] > E_OUTDIR || memchr(ps, 0, pl)) {
        xf_buf_adds(why, "the cache is corrupt");
        return 0;
    }
    char path[4096];
    if (pl >= sizeof path) {
        xf_buf_adds(why, "the cache is corrupt");
        return 0;
    }
    memcpy(path, ps, pl);
    path[pl] = 0;
    struct stat st;
    bool exists = stat_in(dc, path, &st) == 0;
    switch ((enum kind)hdr[0]) {
    case E_ABSENT:
        if (exists)
            xf_buf_addf(why, "'%s' is new", path);
        return !exists;
    case E_DIR:
    case E_OUTDIR: {
        if (!exists || !S_ISDIR(st.st_mode)) {
            xf_buf_addf(why, "folder '%s' is gone", path);
            return 0;
        }
        /* a name added, removed or renamed changes the folder's times; when
         * they differ, the listing decides (an editor's swap file came and went) */
        struct skey now;
        skey_of(&now, &st);
        if (!hdr[1] && now.ino == k.ino && now.mtime == k.mtime && now.ctime == k.ctime)
            return 1;
        /* xform writes every output through a temporary file renamed into its folder:
         * a folder of outputs whose times moved had a file rewritten */
        if (hdr[0] == E_OUTDIR) {
            xf_buf_addf(why, "output folder '%s' changed", path);
            return 0;
        }
        uint64_t h;
        if (list_dir(path, &h, NULL, NULL) < 0 || h != hash) {
            xf_buf_addf(why, "folder '%s' changed", path);
            return 0;
        }
        return 1;
    }
    case E_FILE:
    case E_OUT: {
        struct skey now;
        if (exists)
            skey_of(&now, &st);
        if (!exists || now.size != k.size) {
            xf_buf_addf(why, "'%s' changed", path);
            return 0;
        }
        if (hdr[0] == E_FILE)
            (*nfiles)++;
        bool same = now.ino == k.ino && now.mtime == k.mtime && now.ctime == k.ctime;
        if (hdr[0] == E_OUT || (same && !hdr[1])) {
            if (!same)
                xf_buf_addf(why, "output '%s' changed", path);
            return same;
        }
        /* racy, or touched: the content decides */
        struct xf_buf b = XF_BUF_INIT;
        int e = xf_read_file(&b, path);
        bool ok = e == 0 && content_hash(b.ptr, b.len) == hash;
        xf_buf_release(&b);
        if (!ok)
            xf_buf_addf(why, "'%s' changed", path);
        *refresh = true;
        return ok;
    }
    }
    return 0;
}

/* Half of the entries, checked on its own thread (the other half's miss stops it). */
struct half {
    struct xf_wire r;
    uint32_t n;
    _Atomic bool *stop;
    bool ok, refresh;
    size_t nfiles;
    struct xf_buf why;
};

static void *check_half(void *arg)
{
    struct half *h = arg;
    struct dircache dc = {.fd = -1};
    h->ok = true;
    for (uint32_t i = 0; i < h->n && h->ok; i++) {
        if (atomic_load(h->stop)) {
            h->ok = false;
            break;
        }
        if (!check_ent(&h->r, &dc, &h->why, &h->refresh, &h->nfiles)) {
            h->ok = false;
            atomic_store(h->stop, true);
        }
    }
    if (dc.fd >= 0)
        close(dc.fd);
    return NULL;
}

int xf_ppcache_check(struct xf_ppcache_hit *out, const char *path, const char *key,
                     struct xf_buf *why)
{
    memset(out, 0, sizeof *out);
    struct xf_buf b = XF_BUF_INIT;
    int e = xf_read_file(&b, path);
    if (e < 0) {
        xf_buf_addf(why, "no cache (%s)", strerror(-e));
        xf_buf_release(&b);
        return 0;
    }
    struct xf_wire h = {b.ptr, b.len, 0, false};
    uint32_t fmt, nrec;
    if (!get_header(&h, &fmt, &nrec)) {
        xf_buf_adds(why, "the cache is not one (or is truncated)");
        goto miss;
    }
    if (fmt != FORMAT) {
        xf_buf_addf(why, "the cache has format %u, this xform writes %u", fmt, FORMAT);
        goto miss;
    }
    /* the record of this command line, checksummed */
    struct xf_wire r = {NULL, 0, 0, true};
    for (uint32_t i = 0; i < nrec; i++) {
        uint64_t len = xf_wire_get64(&h), sum = xf_wire_get64(&h);
        if (h.bad || len > h.len - h.pos) {
            xf_buf_adds(why, "the cache is truncated or corrupt");
            goto miss;
        }
        struct xf_wire t = {h.p + h.pos, (size_t)len, 0, false};
        h.pos += (size_t)len;
        size_t kl;
        const char *k = xf_wire_getstr(&t, &kl);
        if (t.bad || kl != strlen(key) || memcmp(k, key, kl))
            continue;
        if (content_hash(t.p, t.len) != sum) {
            xf_buf_adds(why, "the cache is truncated or corrupt");
            goto miss;
        }
        r = t;
        break;
    }
    if (r.bad) {
        xf_buf_adds(why, h.bad || (nrec == 0) ? "the cache is truncated or corrupt"
                                              : "no record of this command line, folder and "
                                                "xform binary");
        goto miss;
    }
    size_t nl;
    const char *names = xf_wire_getstr(&r, &nl);
    unsigned char all = 0;
    xf_wire_get(&r, &all, 1);
    uint64_t eh = xf_wire_get64(&r);
    if (r.bad || (nl && names[nl - 1] != 0)) {
        xf_buf_adds(why, "the cache is corrupt");
        goto miss;
    }
    if (env_hash(names, nl, all != 0) != eh) {
        xf_buf_adds(why, "an environment variable changed");
        goto miss;
    }
    uint32_t ne = 0;
    xf_wire_get(&r, &ne, sizeof ne);
    /* the entries end where the replay begins: skip over them once to find
     * the middle, then check the two halves on two threads */
    size_t start = r.pos, mid = r.pos;
    for (uint32_t i = 0; i < ne && !r.bad; i++) {
        if (i == ne / 2)
            mid = r.pos;
        unsigned char hdr[2];
        xf_wire_get(&r, hdr, 2);
        size_t pl;
        xf_wire_getstr(&r, &pl);
        if (!r.bad && r.len - r.pos >= 40)
            r.pos += 40;
        else
            r.bad = true;
    }
    if (r.bad) {
        xf_buf_adds(why, "the cache is corrupt");
        goto miss;
    }
    struct half hv[2] = {{.r = {r.p + start, mid - start, 0, false}, .n = ne / 2},
                         {.r = {r.p + mid, r.pos - mid, 0, false}, .n = ne - ne / 2}};
    _Atomic bool stop = false;
    for (int i = 0; i < 2; i++) {
        hv[i].stop = &stop;
        xf_buf_init(&hv[i].why, 0);
    }
    pthread_t th;
    bool two = ne >= TWO_THREADS && pthread_create(&th, NULL, check_half, &hv[1]) == 0;
    check_half(&hv[0]);
    if (two)
        pthread_join(th, NULL);
    else
        check_half(&hv[1]);
    bool ok = hv[0].ok && hv[1].ok;
    if (!ok)
        xf_buf_addstr(why, xf_buf_str(!hv[0].ok && hv[0].why.len ? &hv[0].why : &hv[1].why));
    size_t nfiles = hv[0].nfiles + hv[1].nfiles;
    bool refresh = hv[0].refresh || hv[1].refresh;
    xf_buf_release(&hv[0].why);
    xf_buf_release(&hv[1].why);
    if (!ok)
        goto miss;
    size_t rl;
    const char *replay = xf_wire_getstr(&r, &rl);
    if (r.bad || r.pos != r.len) {
        xf_buf_adds(why, "the cache is corrupt");
        goto miss;
    }
    size_t off = (size_t)(replay - b.ptr);
    out->data = xf_buf_detach(&b, NULL);
    out->replay = out->data + off;
    out->replay_len = rl;
    out->nfiles = nfiles;
    out->refresh = refresh;
    return 1;
miss:
    xf_buf_release(&b);
    return 0;
}
