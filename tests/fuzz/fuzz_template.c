// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the template engine. The input is parsed as a
 * template and rendered with Jinja's builtins and a small fixed context
 * (no ref(), no database: only natives without side effects), and its
 * macro blocks are callable by name. Errors are formatted as printed.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "templating/jinja.h"
#include "util/arena.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Names a model's SQL typically uses, of every value type. */
static const char context_json[] =
    "{\"x\": 1, \"neg\": -7, \"f\": 2.5, \"s\": \"O'Brien\", \"empty\": \"\","
    " \"t\": true, \"n\": null, \"names\": [\"id\", \"amount\", \"status\"],"
    " \"d\": {\"k\": \"v\", \"n\": null, \"nested\": {\"l\": [1, 2, [3]]}},"
    " \"target\": {\"name\": \"dev\", \"schema\": \"main\", \"type\": \"sqlite\"}}";

static void add_context(struct xf_arena *a, struct xf_dict *g)
{
    json_t *j = json_loads(context_json, 0, NULL);
    if (!j)
        abort();
    struct xf_value cv = xf_value_from_json(a, j);
    json_decref(j);
    for (size_t i = 0; i < cv.u.d->n; i++)
        xf_dict_set(a, g, cv.u.d->ents[i].key, cv.u.d->ents[i].val);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    struct xf_source src = {"models/fuzz.sql", text, size};
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_diags diags;
    xf_diags_init(&diags);
    struct xf_value globals = xf_v_dict(&a, 32);
    xf_jinja_builtins(&a, globals.u.d);
    add_context(&a, globals.u.d);

    const struct xf_tmpl *t;
    if (xf_tmpl_parse(&t, &a, &src, 0, size, &diags) == 0) {
        const struct xf_block *blocks;
        size_t n = xf_tmpl_blocks(t, &blocks);
        for (size_t i = 0; i < n; i++)
            if (blocks[i].macro)
                xf_dict_set(&a, globals.u.d, blocks[i].name,
                            xf_macro_value(&a, blocks[i].macro, "fuzz"));
        struct xf_render_env env = {
            .arena = &a,
            .globals = globals.u.d,
            .diags = &diags,
            .what = "model 'fuzz'",
        };
        struct xf_buf out = XF_BUF_INIT;
        xf_render_template(&out, t, &env);
        xf_buf_release(&out);
    }
    fuzz_format_diags(&diags);
    xf_diags_release(&diags);
    xf_arena_release(&a);
    free(text);
    return 0;
}
