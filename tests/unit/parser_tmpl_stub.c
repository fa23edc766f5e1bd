// SPDX-License-Identifier: MIT
/*
 * A stand-in for the template engine while templating/ is written in
 * parallel: just enough of templating/jinja.h for the loader's tests
 * (top-level blocks, `{{ name('str', ...) }}` calls of native globals).
 * Weak symbols: once the real engine is linked its definitions win.
 * Delete this file when templating/ has landed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "templating/jinja.h"
#include "util/vec.h"

#define WEAK __attribute__((weak))

struct xf_tmpl {
    const struct xf_source *src;
    size_t off, len;
    struct xf_block *blocks;
    size_t nblocks;
    bool plain;
};

struct xf_render {
    const struct xf_render_env *env;
    const struct xf_tmpl *t;
    struct xf_loc loc;
};

static const char *skip_ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '-'))
        p++;
    return p;
}

static const char *ident(const char *p, const char *e, struct xf_str *out)
{
    const char *s = p;
    while (p < e && (*p == '_' || *p == '.' || (*p >= 'a' && *p <= 'z') ||
                     (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
        p++;
    *out = (struct xf_str){s, (size_t)(p - s)};
    return p;
}

static const struct {
    const char *kw, *end;
    enum xf_block_kind kind;
} kinds[] = {
    {"macro", "endmacro", XF_BLOCK_MACRO},
    {"test", "endtest", XF_BLOCK_TEST},
    {"snapshot", "endsnapshot", XF_BLOCK_SNAPSHOT},
    {"docs", "enddocs", XF_BLOCK_DOCS},
    {"materialization", "endmaterialization", XF_BLOCK_MATERIALIZATION},
};

WEAK int xf_tmpl_parse(const struct xf_tmpl **out, struct xf_arena *a, const struct xf_source *src,
                       size_t off, size_t len, struct xf_diags *diags)
{
    struct xf_tmpl *t = XF_ANEW(a, struct xf_tmpl);
    t->src = src;
    t->off = off;
    t->len = len;
    const char *b = src->text + off, *e = b + len, *p = b;
    t->plain = !strstr(b, "{{") && !strstr(b, "{%");
    XF_VEC(struct xf_block) blocks = {0};
    while ((p = memmem(p, (size_t)(e - p), "{", 1)) && p + 1 < e) {
        if (p[1] == '{') {
            const char *c = memmem(p, (size_t)(e - p), "}}", 2);
            if (!c)
                return xf_error(diags, (struct xf_loc){src, (size_t)(p - src->text), 2},
                                "unexpected end of template, expected '}}'");
            p = c + 2;
            continue;
        }
        if (p[1] != '%') {
            p++;
            continue;
        }
        const char *tag = p;
        const char *c = memmem(p, (size_t)(e - p), "%}", 2);
        if (!c)
            return xf_error(diags, (struct xf_loc){src, (size_t)(p - src->text), 2},
                            "unexpected end of template, expected '%%}'");
        const char *q = skip_ws(p + 2, c);
        struct xf_str kw;
        q = ident(q, c, &kw);
        p = c + 2;
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            if (!xf_str_eqc(kw, kinds[k].kw))
                continue;
            struct xf_block bl = {0};
            bl.kind = kinds[k].kind;
            ident(skip_ws(q, c), c, &bl.name);
            bl.loc = (struct xf_loc){src, (size_t)(tag - src->text), (size_t)(p - tag)};
            /* find the end tag */
            char endtag[64];
            const char *s = p, *found = NULL;
            snprintf(endtag, sizeof endtag, "%s", kinds[k].end);
            while ((s = memmem(s, (size_t)(e - s), endtag, strlen(endtag)))) {
                const char *open = s;
                while (open > p && open[-1] != '{')
                    open--;
                if (open > p && open[-1] == '{' && open[0] == '%') {
                    found = open - 1;
                    break;
                }
                s += strlen(endtag);
            }
            if (!found) {
                xf_vec_release(&blocks);
                return xf_error(diags, bl.loc, "unclosed '%s' block: expected '{%% %s %%}'",
                                kinds[k].kw, kinds[k].end);
            }
            bl.body = (struct xf_str){p, (size_t)(found - p)};
            const struct xf_tmpl *body;
            if (xf_tmpl_parse(&body, a, src, (size_t)(p - src->text), bl.body.len, diags) < 0) {
                xf_vec_release(&blocks);
                return -1;
            }
            bl.tmpl = body;
            bl.macro = body;
            xf_vec_push(&blocks, bl);
            p = (const char *)memmem(found, (size_t)(e - found), "%}", 2) + 2;
            break;
        }
    }
    t->blocks = XF_ANEWN(a, struct xf_block, blocks.n ? blocks.n : 1);
    if (blocks.n)
        memcpy(t->blocks, blocks.v, blocks.n * sizeof *blocks.v);
    t->nblocks = blocks.n;
    xf_vec_release(&blocks);
    *out = t;
    return 0;
}

WEAK size_t xf_tmpl_blocks(const struct xf_tmpl *t, const struct xf_block **out)
{
    *out = t->blocks;
    return t->nblocks;
}

WEAK bool xf_tmpl_is_plain(const struct xf_tmpl *t)
{
    return t->plain;
}

WEAK struct xf_value xf_macro_value(struct xf_arena *a, const void *macro, const char *package)
{
    return xf_v_none();
}

WEAK struct xf_arena *xf_render_arena(struct xf_render *r)
{
    return r->env->arena;
}

WEAK void *xf_render_user(struct xf_render *r)
{
    return r->env->user;
}

WEAK struct xf_loc xf_render_loc(struct xf_render *r)
{
    return r->loc;
}

WEAK int xf_render_error(struct xf_render *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    xf_diag_vadd(r->env->diags, XF_SEV_ERROR, r->loc, fmt, ap);
    va_end(ap);
    return -1;
}

WEAK const struct xf_value *xf_arg(const struct xf_args *args, size_t pos, const char *kw)
{
    if (pos < args->npos)
        return &args->pos[pos];
    for (size_t i = 0; kw && i < args->nkw; i++)
        if (xf_str_eqc(args->kwnames[i], kw))
            return &args->kwvals[i];
    return NULL;
}

/* {{ name('a', 'b') }} or {{ name('a') | filter }}: string arguments only. */
WEAK int xf_render_template(struct xf_buf *out, const struct xf_tmpl *t,
                            const struct xf_render_env *env)
{
    const char *b = t->src->text + t->off, *e = b + t->len, *p = b;
    struct xf_render r = {env, t, XF_NOLOC};
    while (p < e) {
        const char *o = memmem(p, (size_t)(e - p), "{{", 2);
        if (!o) {
            xf_buf_add(out, p, (size_t)(e - p));
            break;
        }
        xf_buf_add(out, p, (size_t)(o - p));
        const char *c = memmem(o, (size_t)(e - o), "}}", 2);
        const char *q = skip_ws(o + 2, c);
        struct xf_str name;
        q = ident(q, c, &name);
        r.loc = (struct xf_loc){t->src, (size_t)(o - t->src->text), (size_t)(c + 2 - o)};
        struct xf_value args[4];
        size_t n = 0;
        q = skip_ws(q, c);
        if (q < c && *q == '(') {
            q++;
            while (q < c && *q != ')' && n < 4) {
                q = skip_ws(q, c);
                if (*q == '\'' || *q == '"') {
                    char quote = *q++;
                    const char *s = q;
                    while (q < c && *q != quote)
                        q++;
                    args[n++] = xf_v_strdup(env->arena, (struct xf_str){s, (size_t)(q - s)});
                    q++;
                }
                q = skip_ws(q, c);
                if (*q == ',')
                    q++;
            }
        }
        const struct xf_value *fn = xf_dict_get(env->globals, name);
        if (!fn || fn->t != XF_V_FUNC) {
            xf_error(env->diags, r.loc, "'" XF_STR_FMT "' is undefined", XF_STR_ARG(name));
            return -1;
        }
        struct xf_args a = {args, n, NULL, NULL, 0, NULL};
        struct xf_value v;
        if (fn->u.fn->fn(&v, &r, fn->u.fn, &a) < 0)
            return -1;
        xf_value_str(out, &v);
        p = c + 2;
    }
    return 0;
}
