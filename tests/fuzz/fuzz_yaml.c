// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the YAML reader (parser/yaml.c). The input is parsed
 * as a located tree (as a properties file is), every node is turned into
 * a value and emitted again as toyaml() would; the string form
 * (fromyaml(), --vars) is parsed too. Errors are formatted as printed.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "parser/yaml.h"
#include "util/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Visits every node as the loader does: keys looked up, values taken. */
static void walk(struct xf_arena *a, const struct xf_ynode *n, unsigned depth)
{
    if (!n || depth > 64)
        return;
    (void)xf_ynode_is_null(n);
    switch (n->kind) {
    case XF_Y_SCALAR:
        (void)xf_ynode_value(a, n);
        break;
    case XF_Y_SEQ:
        for (size_t i = 0; i < n->n; i++)
            walk(a, n->items[i], depth + 1);
        break;
    case XF_Y_MAP:
        (void)xf_ynode_get(n, "name");
        for (size_t i = 0; i < n->n; i++) {
            walk(a, n->keys[i], depth + 1);
            walk(a, n->items[i], depth + 1);
        }
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    struct xf_source src = {"models/schema.yml", text, size};
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_diags diags;
    xf_diags_init(&diags);

    struct xf_ynode *root;
    if (xf_yaml_parse(&root, &a, &src, &diags) == 0) {
        walk(&a, root, 0);
        struct xf_value v = xf_ynode_value(&a, root);
        struct xf_buf out = XF_BUF_INIT;
        xf_yaml_emit(&out, &v);
        xf_buf_release(&out);
    }
    fuzz_format_diags(&diags);

    struct xf_buf err = XF_BUF_INIT;
    struct xf_ynode *root2;
    (void)xf_yaml_parse_str(&root2, &a, text, size, &err);
    xf_buf_release(&err);

    xf_diags_release(&diags);
    xf_arena_release(&a);
    free(text);
    return 0;
}
