// SPDX-License-Identifier: MIT
/*
 * Whole-file reads and writes, directory creation and sorted recursive
 * listing, so that discovery order (and with it every artifact) is stable.
 */
#include "util/path.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/vec.h"

int xf_read_file(struct xf_buf *out, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_size > 0)
        xf_buf_grow(out, (size_t)st.st_size);
    for (;;) {
        xf_buf_grow(out, 8192);
        ssize_t n = read(fd, out->ptr + out->len, out->cap - out->len - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = -errno;
            close(fd);
            return e;
        }
        if (n == 0)
            break;
        out->len += (size_t)n;
    }
    out->ptr[out->len] = 0;
    close(fd);
    return 0;
}

int xf_mkdirs(const char *path)
{
    char *p = xf_strdup(path);
    int err = 0;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == 0) {
            char c = *s;
            *s = 0;
            if (mkdir(p, 0777) < 0 && errno != EEXIST) {
                err = -errno;
                break;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    free(p);
    return err;
}

/* Writes all of data to fd; 0 or -errno. */
static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Creates the folder `path` is in, if it has one. 0, or -errno. */
static int make_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return 0;
    char *dir = xf_strndup(path, (size_t)(slash - path));
    int e = xf_mkdirs(dir);
    free(dir);
    return e;
}

/*
 * Writes to "<path>.tmp<pid>.<n>" in the same folder (so the rename cannot
 * cross file systems) and renames it over `path`: a reader, or the next
 * run after a failed write (ENOSPC, EFBIG, EIO ...), sees the old file or
 * the new one, never a half or empty file. Every step is checked, close()
 * too (NFS and some quota setups report a failed write only there), and
 * the temporary file is removed on failure. The suffix lets threads and
 * processes write the same path at once (the last rename wins); a file
 * left by a killed process that had the same pid (containers reuse small
 * pids) is truncated, not an error. Not fsync'ed: this guards against
 * failed writes, not power loss.
 */
int xf_write_file(const char *path, const void *data, size_t len)
{
    static atomic_uint seq;
    size_t n = strlen(path) + 48;
    char *tmp = xf_malloc(n);
    snprintf(tmp, n, "%s.tmp%ld.%u", path, (long)getpid(), atomic_fetch_add(&seq, 1));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0 && errno == ENOENT) {
        /* the folder is missing: make it (only then, it costs a syscall per level) */
        int e = make_parent(path);
        if (e < 0) {
            free(tmp);
            return e;
        }
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    }
    if (fd < 0) {
        int e = -errno;
        free(tmp);
        return e;
    }
    int err = write_all(fd, data, len);
    if (close(fd) < 0 && !err)
        err = -errno;
    if (!err && rename(tmp, path) < 0)
        err = -errno;
    if (err)
        unlink(tmp);
    free(tmp);
    return err;
}

int xf_write_file_if_changed(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        struct stat st;
        bool same = false;
        if (fstat(fd, &st) == 0 && (size_t)st.st_size == len) {
            char stackbuf[16384];
            char *buf = len <= sizeof stackbuf ? stackbuf : xf_malloc(len ? len : 1);
            size_t got = 0;
            while (got < len) {
                ssize_t n = read(fd, buf + got, len - got);
                if (n <= 0)
                    break;
                got += (size_t)n;
            }
            same = got == len && memcmp(buf, data, len) == 0;
            if (buf != stackbuf)
                free(buf);
        }
        close(fd);
        if (same)
            return 1;
    }
    return xf_write_file(path, data, len);
}

bool xf_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool xf_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *xf_path_join(struct xf_arena *a, const char *dir, const char *name)
{
    if (name[0] == '/' || !dir[0] || strcmp(dir, ".") == 0)
        return xf_arena_strdup(a, name);
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    while (name[0] == '.' && name[1] == '/')
        name += 2;
    return xf_arena_printf(a, "%.*s/%s", (int)dl, dir, name);
}

char *xf_path_stem(struct xf_arena *a, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    return xf_arena_strndup(a, base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
}

int xf_remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : -errno;
    if (!S_ISDIR(st.st_mode))
        return unlink(path) < 0 ? -errno : 0;
    DIR *d = opendir(path);
    if (!d)
        return -errno;
    struct dirent *e;
    int err = 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        size_t n = strlen(path) + strlen(e->d_name) + 2;
        char *sub = xf_malloc(n);
        snprintf(sub, n, "%s/%s", path, e->d_name);
        int r = xf_remove_tree(sub);
        free(sub);
        if (r < 0)
            err = r;
    }
    closedir(d);
    if (rmdir(path) < 0 && !err)
        err = -errno;
    return err;
}
