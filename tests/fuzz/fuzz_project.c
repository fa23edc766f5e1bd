// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the project loader and the session that prepares a
 * project (parse-mode render, YAML tests, graph). The input is
 * dbt_project.yml, then a line "---8<---", then models/schema.yml, then
 * optionally another "---8<---" line and the SQL of models/fz.sql; they
 * are written into a scratch project that also has two models, a seed
 * and a macro, and the project is opened as `xform parse` would (the
 * embedded SQLite profile; nothing connects). Errors are formatted.
 *
 * Then it is opened a second time: the first open kept each node's
 * parse records (engine/parse_records.c), the second replays them instead
 * of rendering. Both must give every node the same refs, sources (with
 * their locations) and config, or the harness aborts: a differential
 * check of the records against the renders they stand for.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine.h"
#include "fuzz_common.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static const char sep[] = "\n---8<---\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_puts("models/a.sql", "{{ config(materialized='table', tags=['t']) }}\nselect 1 as id\n");
    fuzz_puts("models/sub/b.sql", "select * from {{ ref('a') }} join {{ ref('s') }} using (id)\n");
    fuzz_puts("seeds/s.csv", "id,name\n1,x\n");
    fuzz_puts("macros/m.sql", "{% macro m(x) %}{{ x }}{% endmacro %}\n");
    fuzz_puts("tests/t.sql", "select * from {{ ref('b') }} where id < 0\n");
    /* the embedded SQLite target: no profiles.yml anywhere it looks */
    setenv("HOME", fuzz_dir(), 1);
    unsetenv("XFORM_PROFILES_DIR");
    unsetenv("DBT_PROFILES_DIR");
    return 0;
}

static void deps_sig(struct xf_buf *b, const struct xf_dep *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        xf_buf_addf(b, " %s/%s/%s@%s:%zu+%zu", v[i].package ? v[i].package : "-", v[i].name,
                    v[i].version ? v[i].version : "-",
                    v[i].loc.src && v[i].loc.src->path ? v[i].loc.src->path : "-", v[i].loc.off,
                    v[i].loc.len);
}

/* What the parse render decides about every node, as text. */
static void signature(struct xf_buf *b, struct xf_session *s)
{
    struct xf_project *p = xf_session_project(s);
    for (size_t i = 0; i < p->nodes.n; i++) {
        const struct xf_node *n = p->nodes.v[i];
        xf_buf_addf(b, "%s refs", n->unique_id);
        deps_sig(b, n->refs.v, n->refs.n);
        xf_buf_adds(b, " sources");
        deps_sig(b, n->source_deps.v, n->source_deps.n);
        xf_buf_adds(b, " config ");
        xf_value_str(b, &n->config);
        xf_buf_addch(b, '\n');
    }
}

/* Opens the project; 0 with its signature in `sig`, or -1. */
static int open_project(struct xf_buf *sig)
{
    struct xf_load_opts lo = {
        .project_dir = fuzz_dir(), .command = "parse", .threads = 1, .partial_parse = true};
    struct xf_diags diags;
    xf_diags_init(&diags);
    struct xf_session *s = NULL;
    int e = xf_session_open(&s, &lo, &diags);
    fuzz_format_diags(&diags); /* before the free: locations point into the files read */
    if (e == 0)
        signature(sig, s);
    xf_session_free(s);
    xf_diags_release(&diags);
    return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data, *end = text + size;
    const char *cut = size >= sizeof sep - 1 ? memmem(text, size, sep, sizeof sep - 1) : NULL;
    fuzz_put("dbt_project.yml", text, cut ? (size_t)(cut - text) : size);
    /* then models/schema.yml, then (after a second separator) models/fz.sql */
    const char *yml = cut ? cut + sizeof sep - 1 : end;
    const char *cut2 = (size_t)(end - yml) >= sizeof sep - 1
                           ? memmem(yml, (size_t)(end - yml), sep, sizeof sep - 1)
                           : NULL;
    fuzz_put("models/schema.yml", yml, (size_t)((cut2 ? cut2 : end) - yml));
    if (cut2)
        fuzz_put("models/fz.sql", cut2 + sizeof sep - 1,
                 (size_t)(end - (cut2 + sizeof sep - 1)));
    else
        fuzz_puts("models/fz.sql", "{{ config(materialized='view', meta={'k': [1, 2.5, none]}) }}\n"
                                   "select * from {{ ref('a') }}\n");

    /* the first open renders (an earlier input's records could match this one) */
    char path[4200];
    snprintf(path, sizeof path, "%s/target/partial_parse_nodes.xfc", fuzz_dir());
    unlink(path);
    struct xf_buf rendered = XF_BUF_INIT, replayed = XF_BUF_INIT;
    if (open_project(&rendered) == 0 && open_project(&replayed) == 0 &&
        (rendered.len != replayed.len || memcmp(rendered.ptr, replayed.ptr, rendered.len))) {
        fprintf(stderr, "parse records differ from the renders:\n--- rendered\n%s--- replayed\n%s",
                rendered.ptr, replayed.ptr);
        abort();
    }
    xf_buf_release(&rendered);
    xf_buf_release(&replayed);
    return 0;
}
