// SPDX-License-Identifier: MIT
/*
 * The partial-parse cache (target/partial_parse.xfc): every input a load
 * looked at (files with their size, times, inode and content hash, the
 * listing of every folder walked, paths that were absent, the environment
 * templates can read), the command's identity, and what the command
 * produced (an opaque replay blob, and the output files it wrote, checked
 * by their stat). A later command checks the inputs in a few milliseconds
 * and, when nothing at all changed, replays instead of loading. See
 * docs/performance.md, "Partial parsing".
 */
#ifndef XF_PARSER_PPCACHE_H
#define XF_PARSER_PPCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parser/project.h"
#include "util/buf.h"

/* The cache file's name in the target folder. */
#define XF_PPCACHE_FILE "partial_parse.xfc"

/* Wall-clock time in ns: taken before a load, handed to xf_ppcache_save. */
int64_t xf_ppcache_now(void);

/*
 * Whether partial parsing is off: `flag` is the command line's answer (1
 * --partial-parse, 0 --no-partial-parse, -1 not given), then
 * $DBT_PARTIAL_PARSE / $XFORM_PARTIAL_PARSE ("false", "0", "no", "off").
 */
bool xf_ppcache_disabled(int flag);

/*
 * Whether the project file at `project_dir` says `flags: {partial_parse:
 * false}` (read as text, without loading; dbt's place for it since 1.8).
 */
bool xf_ppcache_project_off(const char *project_dir);

/*
 * The target folder a project at `project_dir` writes to, without loading
 * it: `target_path` (the flag or environment) or the project file's
 * `target-path:` (a plain value; a templated one gives NULL: no cache).
 * In `a`; NULL when it cannot be known cheaply.
 */
const char *xf_ppcache_target_dir(struct xf_arena *a, const char *project_dir,
                                  const char *target_path);

struct xf_ppcache_hit {
    char *data;         /* the whole cache file (heap) */
    const char *replay; /* into data */
    size_t replay_len;
    size_t nfiles; /* input files checked */
    bool refresh;  /* racy or touched files were re-read (so until a cold run saves) */
};

/*
 * Checks the cache at `path` against the world: the same key, environment,
 * inputs and outputs. 1: a hit (*out filled; xf_ppcache_hit_release), 0: a
 * miss, `why` says what differed (a missing, corrupt, truncated or other-
 * version file is a miss, never an error).
 */
int xf_ppcache_check(struct xf_ppcache_hit *out, const char *path, const char *key,
                     struct xf_buf *why);
void xf_ppcache_hit_release(struct xf_ppcache_hit *h);

/* What a command that loaded `p` leaves for the next one. */
struct xf_ppcache_save {
    const struct xf_project *p;
    int64_t load_start;           /* xf_ppcache_now() before the load began */
    const char *key;              /* the command's identity (argv, cwd, version ...) */
    const char *const *out_trees; /* folders written (their files checked by stat) */
    size_t nout_trees;
    const char *const *out_files; /* single files written (manifest.json ...) */
    size_t nout_files;
    const void *replay; /* opaque: what the command replays on a hit */
    size_t replay_len;
};

/*
 * Whether the templates can make a later render differ with no input
 * changing: they read run_started_at, invocation_id, modules, thread_id,
 * random, or print (log, print, exceptions.warn). A conservative scan of
 * every Jinja tag of every file read; `why` names the first word found.
 */
bool xf_ppcache_volatile(const struct xf_project *p, struct xf_buf *why);

/*
 * What every cached result depends on besides files and environment: the
 * xform version, this binary (inode, size, mtime: another build of the same
 * version is another binary) and the current folder. Appended to `b`.
 */
void xf_ppcache_identity(struct xf_buf *b);

/* The cache's hash of a file's content (FNV-1a 64 over 8-byte words), for other caches. */
uint64_t xf_ppcache_content_hash(const void *p, size_t n);

/*
 * For caches that keep results across loads (engine/parse_records.c): one
 * scan of every Jinja tag of `p`. False when a parse-mode render can differ
 * with no input changing (`why`: a tag reads run_started_at, invocation_id
 * or thread_id; a render that reads the clock is seen as it renders, and
 * log() and print() print nothing in parse mode); else *env is the hash of
 * the environment
 * they can read (as the cache records it). *reads_which: some tag names
 * WHICH (flags.WHICH: the command's name is then an input).
 */
bool xf_ppcache_fingerprint_env(const struct xf_project *p, uint64_t *env, bool *reads_which,
                                struct xf_buf *why);

/*
 * Writes the cache at `path` atomically (temporary file and rename). 1
 * saved; 0 not saved (an input changed while loading, or the templates are
 * volatile: `why`, and an old cache there is removed); -1 a write error
 * (`why`).
 */
int xf_ppcache_write(const char *path, const struct xf_ppcache_save *in, struct xf_buf *why);

/* Removes the cache at `path` if there is one. */
void xf_ppcache_remove(const char *path);

#endif
