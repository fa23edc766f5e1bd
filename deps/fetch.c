// SPDX-License-Identifier: MIT
/*
 * Getting package files: HTTP(S) through libcurl (the hub's JSON and
 * tarballs), archives through libarchive (extracted refusing absolute
 * paths, `..` and writes through symlinks), and git by running the `git`
 * command, as dbt does, with posix_spawn and pipes.
 */
#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deps/deps.h"
#include "util/dynlib.h"
#include "util/path.h"

/*
 * libcurl is loaded on first use (util/dynlib.h): the names below are
 * pointers filled by libcurl_load(); call sites read as plain calls.
 */
XF_DYN_PTR(curl_easy_cleanup);
XF_DYN_PTR(curl_easy_getinfo);
XF_DYN_PTR(curl_easy_init);
XF_DYN_PTR(curl_easy_perform);
XF_DYN_PTR(curl_easy_setopt);
XF_DYN_PTR(curl_easy_strerror);
XF_DYN_PTR(curl_global_init);
#undef curl_easy_cleanup
#define curl_easy_cleanup (*xf_dyn_curl_easy_cleanup)
#undef curl_easy_getinfo
#define curl_easy_getinfo (*xf_dyn_curl_easy_getinfo)
#undef curl_easy_init
#define curl_easy_init (*xf_dyn_curl_easy_init)
#undef curl_easy_perform
#define curl_easy_perform (*xf_dyn_curl_easy_perform)
#undef curl_easy_setopt
#define curl_easy_setopt (*xf_dyn_curl_easy_setopt)
#undef curl_easy_strerror
#define curl_easy_strerror (*xf_dyn_curl_easy_strerror)
#undef curl_global_init
#define curl_global_init (*xf_dyn_curl_global_init)
static const struct xf_dynsym libcurl_syms[] = {
    XF_DYN_SYM(curl_easy_cleanup), XF_DYN_SYM(curl_easy_getinfo), XF_DYN_SYM(curl_easy_init),
    XF_DYN_SYM(curl_easy_perform), XF_DYN_SYM(curl_easy_setopt),  XF_DYN_SYM(curl_easy_strerror),
    XF_DYN_SYM(curl_global_init),
};
static const char *const libcurl_sonames[] = {"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl.so",
                                              NULL};
static struct xf_dynlib libcurl = {
    "libcurl", libcurl_sonames, libcurl_syms, sizeof libcurl_syms / sizeof libcurl_syms[0], 0, ""};

/*
 * libarchive is loaded on first use (util/dynlib.h): the names below are
 * pointers filled by libarchive_load(); call sites read as plain calls.
 */
XF_DYN_PTR(archive_entry_hardlink);
XF_DYN_PTR(archive_entry_pathname);
XF_DYN_PTR(archive_entry_set_hardlink);
XF_DYN_PTR(archive_entry_set_pathname);
XF_DYN_PTR(archive_error_string);
XF_DYN_PTR(archive_read_data_block);
XF_DYN_PTR(archive_read_free);
XF_DYN_PTR(archive_read_new);
XF_DYN_PTR(archive_read_next_header);
XF_DYN_PTR(archive_read_open_filename);
XF_DYN_PTR(archive_read_support_filter_all);
XF_DYN_PTR(archive_read_support_format_all);
XF_DYN_PTR(archive_write_data_block);
XF_DYN_PTR(archive_write_disk_new);
XF_DYN_PTR(archive_write_disk_set_options);
XF_DYN_PTR(archive_write_finish_entry);
XF_DYN_PTR(archive_write_free);
XF_DYN_PTR(archive_write_header);
#undef archive_entry_hardlink
#define archive_entry_hardlink (*xf_dyn_archive_entry_hardlink)
#undef archive_entry_pathname
#define archive_entry_pathname (*xf_dyn_archive_entry_pathname)
#undef archive_entry_set_hardlink
#define archive_entry_set_hardlink (*xf_dyn_archive_entry_set_hardlink)
#undef archive_entry_set_pathname
#define archive_entry_set_pathname (*xf_dyn_archive_entry_set_pathname)
#undef archive_error_string
#define archive_error_string (*xf_dyn_archive_error_string)
#undef archive_read_data_block
#define archive_read_data_block (*xf_dyn_archive_read_data_block)
#undef archive_read_free
#define archive_read_free (*xf_dyn_archive_read_free)
#undef archive_read_new
#define archive_read_new (*xf_dyn_archive_read_new)
#undef archive_read_next_header
#define archive_read_next_header (*xf_dyn_archive_read_next_header)
#undef archive_read_open_filename
#define archive_read_open_filename (*xf_dyn_archive_read_open_filename)
#undef archive_read_support_filter_all
#define archive_read_support_filter_all (*xf_dyn_archive_read_support_filter_all)
#undef archive_read_support_format_all
#define archive_read_support_format_all (*xf_dyn_archive_read_support_format_all)
#undef archive_write_data_block
#define archive_write_data_block (*xf_dyn_archive_write_data_block)
#undef archive_write_disk_new
#define archive_write_disk_new (*xf_dyn_archive_write_disk_new)
#undef archive_write_disk_set_options
#define archive_write_disk_set_options (*xf_dyn_archive_write_disk_set_options)
#undef archive_write_finish_entry
#define archive_write_finish_entry (*xf_dyn_archive_write_finish_entry)
#undef archive_write_free
#define archive_write_free (*xf_dyn_archive_write_free)
#undef archive_write_header
#define archive_write_header (*xf_dyn_archive_write_header)
static const struct xf_dynsym libarchive_syms[] = {
    XF_DYN_SYM(archive_entry_hardlink),
    XF_DYN_SYM(archive_entry_pathname),
    XF_DYN_SYM(archive_entry_set_hardlink),
    XF_DYN_SYM(archive_entry_set_pathname),
    XF_DYN_SYM(archive_error_string),
    XF_DYN_SYM(archive_read_data_block),
    XF_DYN_SYM(archive_read_free),
    XF_DYN_SYM(archive_read_new),
    XF_DYN_SYM(archive_read_next_header),
    XF_DYN_SYM(archive_read_open_filename),
    XF_DYN_SYM(archive_read_support_filter_all),
    XF_DYN_SYM(archive_read_support_format_all),
    XF_DYN_SYM(archive_write_data_block),
    XF_DYN_SYM(archive_write_disk_new),
    XF_DYN_SYM(archive_write_disk_set_options),
    XF_DYN_SYM(archive_write_finish_entry),
    XF_DYN_SYM(archive_write_free),
    XF_DYN_SYM(archive_write_header),
};
static const char *const libarchive_sonames[] = {"libarchive.so.13", "libarchive.so", NULL};
static struct xf_dynlib libarchive = {"libarchive",
                                      libarchive_sonames,
                                      libarchive_syms,
                                      sizeof libarchive_syms / sizeof libarchive_syms[0],
                                      0,
                                      ""};

extern char **environ;

static bool curl_ready;

static size_t to_buf(char *p, size_t size, size_t n, void *user)
{
    xf_buf_add(user, p, size * n);
    return size * n;
}

static size_t to_file(char *p, size_t size, size_t n, void *user)
{
    return fwrite(p, size, n, user) * size;
}

static int get(const char *url, void *sink, bool file, long *status, struct xf_buf *err)
{
    if (xf_dynlib_load(&libcurl, err) < 0)
        return -1;
    if (!curl_ready) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        curl_ready = true;
    }
    CURL *c = curl_easy_init();
    if (!c) {
        xf_buf_adds(err, "cannot start libcurl");
        return -1;
    }
    char ebuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, file ? to_file : to_buf);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, sink);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L); /* a stalled server: give up after 60s */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "xform/" XF_VERSION);
    CURLcode rc = curl_easy_perform(c);
    *status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
        xf_buf_adds(err, ebuf[0] ? ebuf : curl_easy_strerror(rc));
        return -1;
    }
    if (*status >= 400) {
        xf_buf_addf(err, "HTTP status %ld", *status);
        return -1;
    }
    return 0;
}

int xf_fetch_http(struct xf_buf *out, const char *url, long *status, struct xf_buf *err)
{
    return get(url, out, false, status, err);
}

int xf_fetch_http_file(const char *url, const char *path, long *status, struct xf_buf *err)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        xf_buf_addf(err, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    int rc = get(url, f, true, status, err);
    if (fclose(f) != 0 && rc == 0) {
        xf_buf_addf(err, "cannot write %s: %s", path, strerror(errno));
        rc = -1;
    }
    return rc;
}

int xf_fetch_untar(const char *archive, const char *dir, struct xf_buf *err)
{
    if (xf_dynlib_load(&libarchive, err) < 0)
        return -1;
    int rc = -1;
    if (xf_mkdirs(dir) < 0) {
        xf_buf_addf(err, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    struct archive *in = archive_read_new();
    struct archive *out = archive_write_disk_new();
    archive_read_support_filter_all(in);
    archive_read_support_format_all(in);
    /* entries are put under dir (an absolute path) after their own names are
       checked: no absolute names, no '..', no writing through a symlink */
    archive_write_disk_set_options(out, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                            ARCHIVE_EXTRACT_SECURE_SYMLINKS);
    if (archive_read_open_filename(in, archive, 65536) != ARCHIVE_OK) {
        xf_buf_addf(err, "not an archive: %s", archive_error_string(in));
        goto done;
    }
    struct archive_entry *e;
    int r;
    size_t dl = strlen(dir);
    while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
        char *name = xf_strdup(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
        if (!xf_pkg_safe_path(name)) {
            xf_buf_addf(err, "unsafe path '%s' in the archive", name);
            free(name);
            goto done;
        }
        size_t n = dl + strlen(name) + 2;
        char *full = xf_malloc(n);
        snprintf(full, n, "%s/%s", dir, name);
        archive_entry_set_pathname(e, full);
        free(full);
        /* hard links name a path inside the archive too */
        const char *hl = archive_entry_hardlink(e);
        if (hl && !xf_pkg_safe_path(hl)) {
            xf_buf_addf(err, "unsafe link '%s' in the archive", hl);
            free(name);
            goto done;
        }
        if (hl) {
            n = dl + strlen(hl) + 2;
            char *h = xf_malloc(n);
            snprintf(h, n, "%s/%s", dir, hl);
            archive_entry_set_hardlink(e, h);
            free(h);
        }
        if (archive_write_header(out, e) != ARCHIVE_OK) {
            xf_buf_addf(err, "cannot extract '%s': %s", name, archive_error_string(out));
            free(name);
            goto done;
        }
        const void *buf;
        size_t len;
        la_int64_t off;
        while ((r = archive_read_data_block(in, &buf, &len, &off)) == ARCHIVE_OK) {
            if (archive_write_data_block(out, buf, len, off) != ARCHIVE_OK) {
                xf_buf_addf(err, "cannot extract '%s': %s", name, archive_error_string(out));
                free(name);
                goto done;
            }
        }
        free(name);
        if (r != ARCHIVE_EOF) {
            xf_buf_addf(err, "broken archive: %s", archive_error_string(in));
            goto done;
        }
        archive_write_finish_entry(out);
    }
    if (r != ARCHIVE_EOF) {
        xf_buf_addf(err, "broken archive: %s", archive_error_string(in));
        goto done;
    }
    rc = 0;
done:
    archive_read_free(in);
    archive_write_free(out);
    return rc;
}

/* Reads both pipes until both close (git may fill either first). */
static void drain(int ofd, int efd, struct xf_buf *out, struct xf_buf *err)
{
    struct pollfd p[2] = {{ofd, POLLIN, 0}, {efd, POLLIN, 0}};
    char buf[8192];
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(p[i].fd, buf, sizeof buf);
            if (n > 0) {
                struct xf_buf *dst = i == 0 ? out : err;
                if (dst)
                    xf_buf_add(dst, buf, (size_t)n);
            } else if (n == 0 || errno != EINTR) {
                close(p[i].fd);
                p[i].fd = -1;
                open_fds--;
            }
        }
    }
}

int xf_fetch_git(const char *const *argv, const char *cwd, struct xf_buf *out, struct xf_buf *err)
{
    int op[2], ep[2];
    if (pipe2(op, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(ep, O_CLOEXEC) < 0) {
        close(op[0]);
        close(op[1]);
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, op[1], 1);
    posix_spawn_file_actions_adddup2(&fa, ep[1], 2);
    if (cwd)
        posix_spawn_file_actions_addchdir_np(&fa, cwd);
    /* never ask for a password on a terminal: fail and say so instead */
    size_t ne = 0;
    while (environ[ne])
        ne++;
    char **env = xf_calloc(ne + 3, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; i < ne; i++) {
        if (strncmp(environ[i], "GIT_TERMINAL_PROMPT=", 20) && strncmp(environ[i], "LC_ALL=", 7))
            env[k++] = environ[i];
    }
    env[k++] = "GIT_TERMINAL_PROMPT=0";
    env[k++] = "LC_ALL=C"; /* messages we quote stay in one language */
    pid_t pid;
    int rc = posix_spawnp(&pid, "git", &fa, NULL, (char *const *)argv, env);
    posix_spawn_file_actions_destroy(&fa);
    free(env);
    close(op[1]);
    close(ep[1]);
    if (rc != 0) {
        close(op[0]);
        close(ep[0]);
        if (err)
            xf_buf_addf(err, "cannot run git: %s", strerror(rc));
        return -1;
    }
    drain(op[0], ep[0], out, err);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127 && err && !err->len)
        xf_buf_adds(err, "git is not installed");
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}
