// SPDX-License-Identifier: MIT
/*
 * Golden tests of the template engine: every folder cases/<group>/<case>/
 * holds input.sql, optional context.json and macros.sql, and the exact
 * expected output (`expected`) or diagnostics (`expected_error`). Prints
 * one block per failing case and a final "N passed, N failed" line.
 * With XF_GOLDEN_UPDATE=1 the expected files are rewritten instead.
 *
 * Usage: run_golden CASES_DIR [CASE_DIR_OR_SUBSTRING...]
 */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "templating/jinja.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/json.h"
#include "util/path.h"

struct result {
    bool ok;
    struct xf_buf got;  /* output, or diagnostics text */
    bool got_error;     /* got is diagnostics */
    struct xf_buf want; /* expected file content */
    bool want_error;
    char *why; /* a problem with the case itself */
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the sub-directories of `dir` (heap strings). */
static size_t list_dirs(const char *dir, char ***out)
{
    DIR *d = opendir(dir);
    *out = NULL;
    if (!d)
        return 0;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        struct xf_buf p = XF_BUF_INIT;
        xf_buf_addf(&p, "%s/%s", dir, e->d_name);
        bool isdir = xf_is_dir(p.ptr);
        xf_buf_release(&p);
        if (!isdir)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = xf_realloc(*out, cap * sizeof **out);
        }
        (*out)[n++] = xf_strdup(e->d_name);
    }
    closedir(d);
    if (n)
        qsort(*out, n, sizeof **out, cmp_str);
    return n;
}

static void free_list(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

static bool read_opt(const char *dir, const char *name, struct xf_buf *out)
{
    struct xf_buf p = XF_BUF_INIT;
    xf_buf_addf(&p, "%s/%s", dir, name);
    int rc = xf_read_file(out, p.ptr);
    xf_buf_release(&p);
    return rc == 0;
}

static void format_diags(struct xf_buf *out, const struct xf_diags *d)
{
    for (const struct xf_diag *g = d->head; g; g = g->next)
        xf_diag_format(out, g, false);
}

static void run_case(const char *dir, struct result *res)
{
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_diags diags;
    xf_diags_init(&diags);
    struct xf_buf input = XF_BUF_INIT, ctx = XF_BUF_INIT, macros = XF_BUF_INIT;
    struct xf_value globals = xf_v_dict(&a, 32);

    if (read_opt(dir, "expected", &res->want)) {
        res->want_error = false;
    } else if (read_opt(dir, "expected_error", &res->want)) {
        res->want_error = true;
    } else {
        res->want_error = false;
        res->why = xf_strdup("no 'expected' or 'expected_error' file");
    }
    if (!read_opt(dir, "input.sql", &input)) {
        free(res->why);
        res->why = xf_strdup("no 'input.sql' file");
        goto done;
    }

    xf_jinja_builtins(&a, globals.u.d);
    if (read_opt(dir, "context.json", &ctx)) {
        json_error_t err;
        json_t *j = json_loadb(ctx.ptr, ctx.len, 0, &err);
        if (!j || !json_is_object(j)) {
            free(res->why);
            struct xf_buf w = XF_BUF_INIT;
            xf_buf_addf(&w, "context.json: %s", j ? "not an object" : err.text);
            res->why = xf_buf_detach(&w, NULL);
            json_decref(j);
            goto done;
        }
        struct xf_value cv = xf_value_from_json(&a, j);
        json_decref(j);
        for (size_t i = 0; i < cv.u.d->n; i++)
            xf_dict_set(&a, globals.u.d, cv.u.d->ents[i].key, cv.u.d->ents[i].val);
    }

    struct xf_source msrc = {"macros.sql", NULL, 0};
    if (read_opt(dir, "macros.sql", &macros)) {
        msrc.text = macros.ptr;
        msrc.len = macros.len;
        const struct xf_tmpl *mt;
        if (xf_tmpl_parse(&mt, &a, &msrc, 0, msrc.len, &diags) == 0) {
            const struct xf_block *blocks;
            size_t n = xf_tmpl_blocks(mt, &blocks);
            for (size_t i = 0; i < n; i++) {
                if (blocks[i].macro) {
                    xf_dict_set(&a, globals.u.d, blocks[i].name,
                                xf_macro_value(&a, blocks[i].macro, NULL));
                }
            }
        }
    }

    struct xf_source src = {"input.sql", input.ptr, input.len};
    const struct xf_tmpl *t;
    int rc = diags.nerrors ? -1 : 0;
    if (rc == 0)
        rc = xf_tmpl_parse(&t, &a, &src, 0, src.len, &diags);
    if (rc == 0) {
        struct xf_render_env env = {
            .arena = &a,
            .globals = globals.u.d,
            .diags = &diags,
        };
        rc = xf_render_template(&res->got, t, &env);
    }
    if (rc < 0 || diags.nerrors) {
        xf_buf_reset(&res->got);
        format_diags(&res->got, &diags);
        res->got_error = true;
    }
    res->ok = !res->why && res->got_error == res->want_error && res->got.len == res->want.len &&
              memcmp(res->got.ptr, res->want.ptr, res->got.len) == 0;
done:
    xf_buf_release(&input);
    xf_buf_release(&ctx);
    xf_buf_release(&macros);
    xf_diags_release(&diags);
    xf_arena_release(&a);
}

/* A line of text for the report, with invisible characters shown. */
static void show_line(const char *prefix, const char *p, size_t n, bool nl)
{
    fputs(prefix, stdout);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\t')
            fputs("\\t", stdout);
        else if (c == '\r')
            fputs("\\r", stdout);
        else if (c < 0x20)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    puts(nl ? "" : "  (no newline at end)");
}

struct lines {
    const char **p;
    size_t *n;
    bool *nl;
    size_t count;
};

static void split_lines(const struct xf_buf *b, struct lines *l)
{
    l->count = 0;
    size_t cap = 8;
    l->p = xf_malloc(cap * sizeof *l->p);
    l->n = xf_malloc(cap * sizeof *l->n);
    l->nl = xf_malloc(cap * sizeof *l->nl);
    size_t i = 0;
    while (i < b->len) {
        size_t e = i;
        while (e < b->len && b->ptr[e] != '\n')
            e++;
        if (l->count == cap) {
            cap *= 2;
            l->p = xf_realloc(l->p, cap * sizeof *l->p);
            l->n = xf_realloc(l->n, cap * sizeof *l->n);
            l->nl = xf_realloc(l->nl, cap * sizeof *l->nl);
        }
        l->p[l->count] = b->ptr + i;
        l->n[l->count] = e - i;
        l->nl[l->count] = e < b->len;
        l->count++;
        i = e + 1;
    }
}

static void free_lines(struct lines *l)
{
    free(l->p);
    free(l->n);
    free(l->nl);
}

/* Expected vs got, line by line: equal lines once, differing ones as -/+. */
static void show_diff(const struct result *res)
{
    struct lines w, g;
    split_lines(&res->want, &w);
    split_lines(&res->got, &g);
    size_t n = w.count > g.count ? w.count : g.count, shown = 0;
    for (size_t i = 0; i < n && shown < 40; i++) {
        bool hw = i < w.count, hg = i < g.count;
        if (hw && hg && w.n[i] == g.n[i] && w.nl[i] == g.nl[i] &&
            memcmp(w.p[i], g.p[i], w.n[i]) == 0) {
            show_line("    ", w.p[i], w.n[i], w.nl[i]);
        } else {
            if (hw)
                show_line("  - ", w.p[i], w.n[i], w.nl[i]);
            if (hg)
                show_line("  + ", g.p[i], g.n[i], g.nl[i]);
        }
        shown++;
    }
    if (!res->want.len)
        puts("  - (empty)");
    if (!res->got.len)
        puts("  + (empty)");
    free_lines(&w);
    free_lines(&g);
}

static bool selected(const char *path, int argc, char **argv)
{
    if (argc <= 2)
        return true;
    for (int i = 2; i < argc; i++) {
        if (strstr(path, argv[i]))
            return true;
    }
    return false;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CASES_DIR [CASE...]\n", argv[0]);
        return 2;
    }
    const char *root = argv[1];
    const char *upd = getenv("XF_GOLDEN_UPDATE");
    bool update = upd && *upd && strcmp(upd, "0") != 0;
    size_t passed = 0, failed = 0, updated = 0;
    char **groups;
    size_t ng = list_dirs(root, &groups);
    if (!ng) {
        fprintf(stderr, "%s: no case groups under %s\n", argv[0], root);
        return 2;
    }
    for (size_t gi = 0; gi < ng; gi++) {
        struct xf_buf gdir = XF_BUF_INIT;
        xf_buf_addf(&gdir, "%s/%s", root, groups[gi]);
        char **cases;
        size_t nc = list_dirs(gdir.ptr, &cases);
        for (size_t ci = 0; ci < nc; ci++) {
            struct xf_buf dir = XF_BUF_INIT;
            xf_buf_addf(&dir, "%s/%s", gdir.ptr, cases[ci]);
            if (!selected(dir.ptr, argc, argv)) {
                xf_buf_release(&dir);
                continue;
            }
            struct result res = {.got = XF_BUF_INIT, .want = XF_BUF_INIT};
            run_case(dir.ptr, &res);
            if (update && !res.ok && (!res.why || !strncmp(res.why, "no 'expected'", 13))) {
                struct xf_buf p = XF_BUF_INIT, other = XF_BUF_INIT;
                xf_buf_addf(&p, "%s/%s", dir.ptr, res.got_error ? "expected_error" : "expected");
                xf_buf_addf(&other, "%s/%s", dir.ptr,
                            res.got_error ? "expected" : "expected_error");
                if (xf_write_file(p.ptr, res.got.ptr, res.got.len) == 0) {
                    remove(other.ptr);
                    printf("UPDATED %s/%s\n", groups[gi], cases[ci]);
                    updated++;
                }
                xf_buf_release(&p);
                xf_buf_release(&other);
            } else if (res.ok) {
                passed++;
            } else {
                failed++;
                printf("FAIL %s/%s", groups[gi], cases[ci]);
                if (res.why) {
                    printf(": %s\n", res.why);
                } else {
                    if (res.got_error != res.want_error)
                        printf(": expected %s, got %s", res.want_error ? "an error" : "output",
                               res.got_error ? "an error" : "output");
                    putchar('\n');
                    show_diff(&res);
                }
            }
            free(res.why);
            xf_buf_release(&res.got);
            xf_buf_release(&res.want);
            xf_buf_release(&dir);
        }
        free_list(cases, nc);
        xf_buf_release(&gdir);
    }
    free_list(groups, ng);
    if (update)
        printf("%zu updated, ", updated);
    printf("%zu passed, %zu failed\n", passed, failed);
    return failed ? 1 : 0;
}
