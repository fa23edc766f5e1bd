// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the project loader and the session that prepares a
 * project (parse-mode render, YAML tests, graph). The input is
 * dbt_project.yml, then a line "---8<---", then models/schema.yml; both
 * are written into a scratch project that also has two models, a seed
 * and a macro, and the project is opened as `xform parse` would (the
 * embedded SQLite profile; nothing connects). Errors are formatted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "fuzz_common.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *cut = size >= sizeof sep - 1 ? memmem(text, size, sep, sizeof sep - 1) : NULL;
    size_t plen = cut ? (size_t)(cut - text) : size;
    fuzz_put("dbt_project.yml", text, plen);
    if (cut)
        fuzz_put("models/schema.yml", cut + sizeof sep - 1, size - plen - (sizeof sep - 1));
    else
        fuzz_puts("models/schema.yml", "");

    struct xf_load_opts lo = {.project_dir = fuzz_dir(), .command = "parse", .threads = 1};
    struct xf_diags diags;
    xf_diags_init(&diags);
    struct xf_session *s = NULL;
    (void)xf_session_open(&s, &lo, &diags);
    fuzz_format_diags(&diags); /* before the free: locations point into the files read */
    xf_session_free(s);
    xf_diags_release(&diags);
    return 0;
}
