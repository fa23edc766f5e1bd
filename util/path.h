// SPDX-License-Identifier: MIT
/*
 * File system helpers: reading whole files, joining paths, creating
 * directories, and listing a tree in a stable (sorted) order.
 */
#ifndef XF_UTIL_PATH_H
#define XF_UTIL_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"
#include "util/buf.h"

/* Reads a whole file into `out` (NUL-terminated). 0, or -errno. */
int xf_read_file(struct xf_buf *out, const char *path);
/*
 * Writes a whole file atomically, creating parent directories: the data
 * goes to a temporary file in the same folder that is renamed over `path`
 * once every write (and the close) succeeded. On failure `path` is left
 * as it was (old content, or absent) and no temporary file remains.
 * 0, or -errno (ENOSPC, EFBIG, EIO ...).
 */
int xf_write_file(const char *path, const void *data, size_t len);
/*
 * xf_write_file, skipped when the file already holds exactly `data`
 * (compiled SQL is mostly the same from one run to the next, and creating
 * files is slow on many disks). Atomic in the same way.
 * Returns 1 when the file was already up to date, 0 when written, -errno.
 */
int xf_write_file_if_changed(const char *path, const void *data, size_t len);
/* mkdir -p. 0, or -errno. */
int xf_mkdirs(const char *path);
bool xf_is_dir(const char *path);
bool xf_is_file(const char *path);
/* "a" + "b" -> "a/b" (no doubled slash; an absolute b wins). */
char *xf_path_join(struct xf_arena *a, const char *dir, const char *name);
/* Last component without extension ("a/b/c.sql" -> "c"). */
char *xf_path_stem(struct xf_arena *a, const char *path);
/* Removes a tree (rm -rf). 0, or -errno. */
int xf_remove_tree(const char *path);


#endif
