// SPDX-License-Identifier: MIT
/*
 * Which project and package macros each node and each macro calls, read
 * from the text inside {{ }} and {% %} (dbt's depends_on.macros): a name
 * or package.name followed by '('. Static, so a call in a branch that a
 * render would not take counts too; state:modified.macros follows these
 * edges through macros that call macros.
 */
#include <ctype.h>
#include <string.h>

#include "parser/loader.h"
#include "util/map.h"
#include "util/vec.h"

static bool ident_start(char c)
{
    return isalpha((unsigned char)c) || c == '_';
}

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* Calls in `text` of macros in `by_name`, each once, into `out` (unique ids). */
static void scan(struct xf_arena *a, const char *text, size_t len, const struct xf_map *by_name,
                 const char *self, const char ***v, size_t *n, size_t *cap)
{
    struct {
        const char **v;
        size_t n, cap;
    } out_ = {*v, *n, *cap}, *out = &out_;
    bool in_tag = false;
    for (size_t i = 0; i < len; i++) {
        if (!in_tag) {
            if (text[i] == '{' && i + 1 < len && (text[i + 1] == '{' || text[i + 1] == '%')) {
                in_tag = true;
                i++;
            } else if (text[i] == '{' && i + 1 < len && text[i + 1] == '#') {
                size_t k = i + 2;
                while (k + 1 < len && !(text[k] == '#' && text[k + 1] == '}'))
                    k++;
                i = k + 1;
            }
            continue;
        }
        char c = text[i];
        if ((c == '}' || c == '%') && i + 1 < len && text[i + 1] == '}') {
            in_tag = false;
            i++;
            continue;
        }
        if (c == '\'' || c == '"') { /* a string literal: skip it */
            size_t k = i + 1;
            while (k < len && text[k] != c)
                k += text[k] == '\\' ? 2 : 1;
            i = k;
            continue;
        }
        if (!ident_start(c) || (i > 0 && (ident_char(text[i - 1]) || text[i - 1] == '.')))
            continue;
        size_t start = i, k = i;
        while (k < len &&
               (ident_char(text[k]) || (text[k] == '.' && k + 1 < len && ident_start(text[k + 1]))))
            k++;
        size_t end = k;
        while (k < len && (text[k] == ' ' || text[k] == '\t' || text[k] == '\n'))
            k++;
        i = end - 1;
        if (k >= len || text[k] != '(')
            continue;
        const char *id = xf_map_get(by_name, xf_str_n(text + start, end - start));
        if (!id || (self && !strcmp(id, self)))
            continue;
        bool seen = false;
        for (size_t j = 0; j < out->n && !seen; j++)
            seen = !strcmp(out->v[j], id);
        if (!seen)
            xf_avec_push(a, out, id);
    }
    *v = out->v;
    *n = out->n;
    *cap = out->cap;
}

void xf_project_macro_deps(struct xf_project *p)
{
    struct xf_map by_name;
    xf_map_init(&by_name);
    /* package.name always; a bare name: the root project's macro first */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < p->macros.n; i++) {
            struct xf_macro_def *m = p->macros.v[i];
            bool root = !m->package || (p->name && !strcmp(m->package, p->name));
            if (pass == 0) {
                const char *q =
                    xf_arena_printf(&p->arena, "%s.%s", m->package ? m->package : p->name, m->name);
                xf_map_put(&by_name, xf_str_c(q), (void *)m->unique_id);
            }
            if ((pass == 0) == root && !xf_map_getc(&by_name, m->name))
                xf_map_put(&by_name, xf_str_c(m->name), (void *)m->unique_id);
        }
    }
    for (size_t i = 0; i < p->macros.n; i++) {
        struct xf_macro_def *m = p->macros.v[i];
        if (m->block && m->block->text.p)
            scan(&p->arena, m->block->text.p, m->block->text.len, &by_name, m->unique_id,
                 (const char ***)&m->macro_deps.v, &m->macro_deps.n, &m->macro_deps.cap);
    }
    for (size_t i = 0; i < p->nodes.n; i++) {
        struct xf_node *n = p->nodes.v[i];
        if (n->src && n->type != XF_RES_SEED)
            scan(&p->arena, n->src->text, n->src->len, &by_name, NULL,
                 (const char ***)&n->macro_deps.v, &n->macro_deps.n, &n->macro_deps.cap);
    }
    xf_map_release(&by_name);
}
