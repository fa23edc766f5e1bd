// SPDX-License-Identifier: MIT
/*
 * modules.re: Python's re module on pcre2 (match, search, fullmatch, sub,
 * findall, split, escape, compile and match objects). Patterns are
 * compiled in UTF mode with Unicode properties, as Python str patterns
 * behave; Python's \Z becomes pcre2's \z. A compiled pattern lives until
 * the end of the render that compiled it.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

#include "templating/internal.h"

#define NATIVE(name)                                                                               \
    static int name(struct xf_value *out, struct xf_render *r, const struct xf_func *self,         \
                    const struct xf_args *args)

enum { PY_I = 2, PY_L = 4, PY_M = 8, PY_S = 16, PY_U = 32, PY_X = 64, PY_A = 256 };

struct pattern {
    pcre2_code *code;
    struct xf_str text;
    int64_t flags;
    uint32_t ngroups;
    struct xf_value names; /* dict name -> group number */
};

struct match {
    struct xf_str subject;
    uint32_t ngroups;
    PCRE2_SIZE *ov;              /* 2 * (ngroups + 1) */
    const struct xf_dict *names; /* group name -> number (arena; outlives the pattern) */
};

static void free_code(void *p)
{
    pcre2_code_free(p);
}

/* Python syntax to pcre2: \Z means end of string only. */
static struct xf_str translate(struct xf_render *r, struct xf_str p)
{
    if (!memchr(p.p, 'Z', p.len))
        return p;
    char *d = xf_arena_alloc(r->a, p.len + 1);
    size_t k = 0;
    for (size_t i = 0; i < p.len; i++) {
        if (p.p[i] == '\\' && i + 1 < p.len) {
            d[k++] = '\\';
            d[k++] = p.p[i + 1] == 'Z' ? 'z' : p.p[i + 1];
            i++;
        } else {
            d[k++] = p.p[i];
        }
    }
    d[k] = 0;
    return xf_str_n(d, k);
}

static int compile(struct xf_render *r, struct pattern *out, struct xf_str text, int64_t flags,
                   bool keep)
{
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    if (!(flags & PY_A))
        opts |= PCRE2_UCP;
    if (flags & PY_I)
        opts |= PCRE2_CASELESS;
    if (flags & PY_M)
        opts |= PCRE2_MULTILINE;
    if (flags & PY_S)
        opts |= PCRE2_DOTALL;
    if (flags & PY_X)
        opts |= PCRE2_EXTENDED;
    struct xf_str t = translate(r, text);
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)t.p, t.len, opts, &errcode, &erroff, NULL);
    if (!code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(errcode, msg, sizeof msg);
        return xf_render_error(r, "invalid regular expression '%.*s': %s at position %zu",
                               XF_STR_ARG(text), (const char *)msg, (size_t)erroff);
    }
    out->code = code;
    out->text = text;
    out->flags = flags;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &out->ngroups);
    uint32_t nnames = 0, entry = 0;
    PCRE2_SPTR table = NULL;
    pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &nnames);
    out->names = xf_v_dict(r->a, nnames);
    if (nnames) {
        pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &entry);
        pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &table);
        for (uint32_t i = 0; i < nnames; i++) {
            const unsigned char *e = table + (size_t)i * entry;
            int num = (e[0] << 8) | e[1];
            const char *name = xf_arena_strdup(r->a, (const char *)e + 2);
            xf_dict_set(r->a, out->names.u.d, xf_str_c(name), xf_v_int(num));
        }
    }
    if (keep)
        xf_tpl_render_defer(r, free_code, code);
    return 0;
}

static void release(struct pattern *p)
{
    pcre2_code_free(p->code);
    p->code = NULL;
}

/* One match at or after `start`; 1 found, 0 none, <0 error. */
static int exec_at(struct xf_render *r, const struct pattern *p, struct xf_str s, size_t start,
                   uint32_t opts, struct match *m)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(p->code, NULL);
    int rc = pcre2_match(p->code, (PCRE2_SPTR)s.p, s.len, start, opts, md, NULL);
    if (rc == PCRE2_ERROR_NOMATCH) {
        pcre2_match_data_free(md);
        return 0;
    }
    if (rc < 0) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(rc, msg, sizeof msg);
        pcre2_match_data_free(md);
        return xf_render_error(r, "regular expression match failed: %s", (const char *)msg);
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    m->subject = s;
    m->ngroups = p->ngroups;
    m->names = p->names.u.d;
    m->ov = XF_ANEWN(r->a, PCRE2_SIZE, 2 * ((size_t)p->ngroups + 1));
    for (uint32_t i = 0; i <= p->ngroups; i++) {
        if ((int)i < rc) {
            m->ov[2 * i] = ov[2 * i];
            m->ov[2 * i + 1] = ov[2 * i + 1];
        } else {
            m->ov[2 * i] = m->ov[2 * i + 1] = PCRE2_UNSET;
        }
    }
    pcre2_match_data_free(md);
    return 1;
}

static struct xf_value group_str(const struct match *m, uint32_t g)
{
    if (g > m->ngroups || m->ov[2 * g] == PCRE2_UNSET)
        return xf_v_none();
    return xf_v_str(xf_str_n(m->subject.p + m->ov[2 * g], m->ov[2 * g + 1] - m->ov[2 * g]));
}

/* ---- match objects ---- */

static int group_index(struct xf_render *r, const struct match *m, const struct xf_value *g,
                       uint32_t *out)
{
    if (g->t == XF_V_INT && g->u.i >= 0 && (uint64_t)g->u.i <= m->ngroups) {
        *out = (uint32_t)g->u.i;
        return 0;
    }
    if (g->t == XF_V_STR) {
        const struct xf_value *n = xf_dict_get(m->names, g->u.s);
        if (n) {
            *out = (uint32_t)n->u.i;
            return 0;
        }
    }
    struct xf_value s = xf_tpl_str_value(r, g);
    return xf_render_error(r, "no such group '%.*s'", XF_STR_ARG(s.u.s));
}

NATIVE(m_group)
{
    const struct match *m = ((const struct xf_obj *)self->data)->data;
    if (args->npos <= 1) {
        uint32_t g = 0;
        if (args->npos && group_index(r, m, &args->pos[0], &g) < 0)
            return -1;
        *out = group_str(m, g);
        return 0;
    }
    *out = xf_tpl_new_tuple(r->a, args->npos);
    for (size_t i = 0; i < args->npos; i++) {
        uint32_t g = 0;
        if (group_index(r, m, &args->pos[i], &g) < 0)
            return -1;
        xf_list_push(r->a, out->u.l, group_str(m, g));
    }
    return 0;
}

NATIVE(m_groups)
{
    const struct match *m = ((const struct xf_obj *)self->data)->data;
    const struct xf_value *def = xf_arg(args, 0, "default");
    *out = xf_tpl_new_tuple(r->a, m->ngroups);
    for (uint32_t g = 1; g <= m->ngroups; g++) {
        struct xf_value v = group_str(m, g);
        if (v.t == XF_V_NONE && def)
            v = *def;
        xf_list_push(r->a, out->u.l, v);
    }
    return 0;
}

NATIVE(m_groupdict)
{
    const struct match *m = ((const struct xf_obj *)self->data)->data;
    const struct xf_value *def = xf_arg(args, 0, "default");
    const struct xf_dict *names = m->names;
    *out = xf_v_dict(r->a, names->n);
    for (size_t i = 0; i < names->n; i++) {
        struct xf_value v = group_str(m, (uint32_t)names->ents[i].val.u.i);
        if (v.t == XF_V_NONE && def)
            v = *def;
        xf_dict_set(r->a, out->u.d, names->ents[i].key, v);
    }
    return 0;
}

static int64_t cp_pos(struct xf_str s, PCRE2_SIZE off)
{
    return off == PCRE2_UNSET ? -1 : (int64_t)xf_tpl_utf8_len(xf_str_n(s.p, off));
}

static int span_common(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                       const struct xf_args *args, int which)
{
    const struct match *m = ((const struct xf_obj *)self->data)->data;
    uint32_t g = 0;
    const struct xf_value *gv = xf_arg(args, 0, "group");
    if (gv && group_index(r, m, gv, &g) < 0)
        return -1;
    int64_t s = cp_pos(m->subject, m->ov[2 * g]), e = cp_pos(m->subject, m->ov[2 * g + 1]);
    if (which == 0) {
        *out = xf_v_int(s);
    } else if (which == 1) {
        *out = xf_v_int(e);
    } else {
        *out = xf_tpl_new_tuple(r->a, 2);
        xf_list_push(r->a, out->u.l, xf_v_int(s));
        xf_list_push(r->a, out->u.l, xf_v_int(e));
    }
    return 0;
}

NATIVE(m_start)
{
    return span_common(out, r, self, args, 0);
}
NATIVE(m_end)
{
    return span_common(out, r, self, args, 1);
}
NATIVE(m_span)
{
    return span_common(out, r, self, args, 2);
}

static int match_getattr(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                         struct xf_str name)
{
    const struct match *m = o->data;
    static const struct class_method ms[] = {
        {"group", m_group}, {"groups", m_groups}, {"groupdict", m_groupdict},
        {"start", m_start}, {"end", m_end},       {"span", m_span},
        {NULL, NULL},
    };
    for (const struct class_method *c = ms; c->name; c++) {
        if (xf_str_eqc(name, c->name)) {
            *out = xf_tpl_obj_method(r, o, c->fn, c->name);
            return 0;
        }
    }
    if (xf_str_eqc(name, "string")) {
        *out = xf_v_str(m->subject);
        return 0;
    }
    if (xf_str_eqc(name, "lastindex")) {
        int64_t last = -1;
        for (uint32_t g = 1; g <= m->ngroups; g++) {
            if (m->ov[2 * g] != PCRE2_UNSET)
                last = g;
        }
        *out = last < 0 ? xf_v_none() : xf_v_int(last);
        return 0;
    }
    return 1;
}

static void match_str(struct xf_buf *out, const struct xf_obj *o)
{
    const struct match *m = o->data;
    struct xf_value g = group_str(m, 0);
    xf_buf_addf(out, "<re.Match object; span=(%lld, %lld), match=",
                (long long)cp_pos(m->subject, m->ov[0]), (long long)cp_pos(m->subject, m->ov[1]));
    xf_value_repr(out, &g);
    xf_buf_addch(out, '>');
}

static const struct xf_obj_ops match_ops = {
    .type_name = "re.Match", .getattr = match_getattr, .str = match_str};

static struct xf_value match_value(struct xf_render *r, const struct match *m)
{
    struct match *c = XF_ANEW(r->a, struct match);
    *c = *m;
    struct xf_obj *o = XF_ANEW(r->a, struct xf_obj);
    o->ops = &match_ops;
    o->data = c;
    return xf_v_obj(o);
}

/* ---- operations on a compiled pattern ---- */

enum mode { MATCH, SEARCH, FULLMATCH };

static int op_match(struct xf_render *r, struct xf_value *out, const struct pattern *p,
                    struct xf_str s, enum mode mode)
{
    uint32_t opts = mode == MATCH       ? PCRE2_ANCHORED
                    : mode == FULLMATCH ? PCRE2_ANCHORED | PCRE2_ENDANCHORED
                                        : 0;
    struct match m;
    int rc = exec_at(r, p, s, 0, opts, &m);
    if (rc < 0)
        return -1;
    *out = rc ? match_value(r, &m) : xf_v_none();
    return 0;
}

/* Calls fn(r, ctx, match) for every non-overlapping match, Python-style. */
static int each_match(struct xf_render *r, const struct pattern *p, struct xf_str s, int64_t limit,
                      int (*fn)(struct xf_render *, void *, const struct match *), void *ctx)
{
    size_t pos = 0;
    uint32_t opts = 0;
    int64_t count = 0;
    while (pos <= s.len && (limit <= 0 || count < limit)) {
        struct match m;
        int rc = exec_at(r, p, s, pos, opts, &m);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            if (!opts)
                break;
            /* no non-empty match here: move one character on */
            opts = 0;
            pos++;
            while (pos < s.len && ((unsigned char)s.p[pos] & 0xC0) == 0x80)
                pos++;
            continue;
        }
        count++;
        if (fn(r, ctx, &m) < 0)
            return -1;
        pos = m.ov[1];
        opts = m.ov[0] == m.ov[1] ? PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED : 0;
        if (opts && pos >= s.len)
            break;
    }
    return 0;
}

static int findall_cb(struct xf_render *r, void *ctx, const struct match *m)
{
    struct xf_value *l = ctx;
    struct xf_value v;
    if (m->ngroups == 0) {
        v = group_str(m, 0);
    } else if (m->ngroups == 1) {
        v = group_str(m, 1);
        if (v.t == XF_V_NONE)
            v = xf_v_str(XF_STR(""));
    } else {
        v = xf_tpl_new_tuple(r->a, m->ngroups);
        for (uint32_t g = 1; g <= m->ngroups; g++) {
            struct xf_value x = group_str(m, g);
            xf_list_push(r->a, v.u.l, x.t == XF_V_NONE ? xf_v_str(XF_STR("")) : x);
        }
    }
    xf_list_push(r->a, l->u.l, v);
    return 0;
}

static int op_findall(struct xf_render *r, struct xf_value *out, const struct pattern *p,
                      struct xf_str s)
{
    *out = xf_v_list(r->a, 0);
    return each_match(r, p, s, 0, findall_cb, out);
}

struct split_ctx {
    struct xf_value list;
    struct xf_str s;
    size_t last;
};

static int split_cb(struct xf_render *r, void *c, const struct match *m)
{
    struct split_ctx *sc = c;
    xf_list_push(r->a, sc->list.u.l, xf_v_str(xf_str_n(sc->s.p + sc->last, m->ov[0] - sc->last)));
    for (uint32_t g = 1; g <= m->ngroups; g++)
        xf_list_push(r->a, sc->list.u.l, group_str(m, g));
    sc->last = m->ov[1];
    return 0;
}

static int op_split(struct xf_render *r, struct xf_value *out, const struct pattern *p,
                    struct xf_str s, int64_t maxsplit)
{
    struct split_ctx sc = {xf_v_list(r->a, 0), s, 0};
    if (each_match(r, p, s, maxsplit, split_cb, &sc) < 0)
        return -1;
    xf_list_push(r->a, sc.list.u.l, xf_v_str(xf_str_n(s.p + sc.last, s.len - sc.last)));
    *out = sc.list;
    return 0;
}

struct sub_ctx {
    size_t mark, last;
    struct xf_str s;
    const struct xf_value *repl;
};

/* Expands a Python replacement template (\1, \g<name>, \n ...). */
static int expand(struct xf_render *r, struct xf_str t, const struct match *m)
{
    for (size_t i = 0; i < t.len; i++) {
        char c = t.p[i];
        if (c != '\\' || i + 1 >= t.len) {
            xf_buf_addch(r->out, c);
            continue;
        }
        char e = t.p[++i];
        if (e >= '0' && e <= '9') {
            uint32_t g = (uint32_t)(e - '0');
            if (i + 1 < t.len && t.p[i + 1] >= '0' && t.p[i + 1] <= '9' &&
                g * 10 + (uint32_t)(t.p[i + 1] - '0') <= m->ngroups) {
                g = g * 10 + (uint32_t)(t.p[++i] - '0');
            }
            if (g > m->ngroups)
                return xf_render_error(r, "invalid group reference %u in the replacement", g);
            struct xf_value v = group_str(m, g);
            if (v.t == XF_V_STR)
                xf_buf_addstr(r->out, v.u.s);
        } else if (e == 'g' && i + 1 < t.len && t.p[i + 1] == '<') {
            size_t s = i + 2, k = s;
            while (k < t.len && t.p[k] != '>')
                k++;
            if (k >= t.len)
                return xf_render_error(r, "missing '>' in a \\g<...> group reference");
            struct xf_str name = xf_str_n(t.p + s, k - s);
            uint32_t g = 0;
            struct xf_value nv = xf_v_str(name);
            bool digits = name.len > 0;
            for (size_t j = 0; j < name.len; j++)
                digits &= name.p[j] >= '0' && name.p[j] <= '9';
            if (digits)
                nv = xf_v_int(strtoll(xf_arena_strdups(r->a, name), NULL, 10));
            if (group_index(r, m, &nv, &g) < 0)
                return -1;
            struct xf_value v = group_str(m, g);
            if (v.t == XF_V_STR)
                xf_buf_addstr(r->out, v.u.s);
            i = k;
        } else {
            switch (e) {
            case 'n':
                xf_buf_addch(r->out, '\n');
                break;
            case 't':
                xf_buf_addch(r->out, '\t');
                break;
            case 'r':
                xf_buf_addch(r->out, '\r');
                break;
            case 'f':
                xf_buf_addch(r->out, '\f');
                break;
            case 'v':
                xf_buf_addch(r->out, '\v');
                break;
            case 'a':
                xf_buf_addch(r->out, '\a');
                break;
            case 'b':
                xf_buf_addch(r->out, '\b');
                break;
            case '\\':
                xf_buf_addch(r->out, '\\');
                break;
            default:
                xf_buf_addch(r->out, '\\');
                xf_buf_addch(r->out, e);
            }
        }
    }
    return 0;
}

static int sub_cb(struct xf_render *r, void *c, const struct match *m)
{
    struct sub_ctx *sc = c;
    xf_buf_add(r->out, sc->s.p + sc->last, m->ov[0] - sc->last);
    sc->last = m->ov[1];
    if (sc->repl->t == XF_V_STR)
        return expand(r, sc->repl->u.s, m);
    /* a function: called with the match object */
    struct xf_value mv = match_value(r, m), res;
    struct xf_args a = {.pos = &mv, .npos = 1};
    size_t here = r->out->len;
    if (xf_tpl_call_value(r, &res, sc->repl, &a, "repl") < 0)
        return -1;
    xf_buf_setlen(r->out, here);
    xf_value_str(r->out, &res);
    return 0;
}

static int op_sub(struct xf_render *r, struct xf_value *out, const struct pattern *p,
                  const struct xf_value *repl, struct xf_str s, int64_t count)
{
    if (repl->t != XF_V_STR && !xf_tpl_is_callable(repl))
        return xf_render_error(r, "the replacement must be a string or a function, not %s",
                               xf_tpl_py_tname(repl));
    struct sub_ctx sc = {r->out->len, 0, s, repl};
    if (each_match(r, p, s, count, sub_cb, &sc) < 0) {
        xf_buf_setlen(r->out, sc.mark);
        return -1;
    }
    xf_buf_add(r->out, s.p + sc.last, s.len - sc.last);
    size_t n = r->out->len - sc.mark;
    *out = xf_v_str(xf_str_n(xf_arena_strndup(r->a, r->out->ptr + sc.mark, n), n));
    xf_buf_setlen(r->out, sc.mark);
    return 0;
}

/* ---- argument helpers ---- */

static int str_arg(struct xf_render *r, const struct xf_value *v, const char *what,
                   struct xf_str *out)
{
    if (!v)
        return xf_render_error(r, "missing the %s argument", what);
    if (v->t != XF_V_STR)
        return xf_render_error(r, "the %s must be a string, not %s", what, xf_tpl_py_tname(v));
    *out = v->u.s;
    return 0;
}

static int int_arg(struct xf_render *r, const struct xf_value *v, int64_t *out)
{
    if (!v || v->t == XF_V_NONE) {
        *out = 0;
        return 0;
    }
    if (v->t == XF_V_INT || v->t == XF_V_BOOL) {
        *out = v->t == XF_V_INT ? v->u.i : v->u.b;
        return 0;
    }
    return xf_render_error(r, "expected an integer, not %s", xf_tpl_py_tname(v));
}

static const struct xf_obj_ops pattern_ops;

/* The pattern argument: a string (compiled now, freed by *tmp) or a compiled pattern. */
static int pattern_arg(struct xf_render *r, const struct xf_value *v, int64_t flags,
                       struct pattern *tmp, const struct pattern **out)
{
    if (v && v->t == XF_V_OBJ && v->u.o->ops == &pattern_ops) {
        *out = v->u.o->data;
        return 0;
    }
    struct xf_str text = {0};
    if (str_arg(r, v, "pattern", &text) < 0)
        return -1;
    if (compile(r, tmp, text, flags, false) < 0)
        return -1;
    *out = tmp;
    return 0;
}

/* ---- module functions ---- */

static int module_match(struct xf_value *out, struct xf_render *r, const struct xf_args *args,
                        enum mode mode)
{
    int64_t flags = 0;
    if (int_arg(r, xf_arg(args, 2, "flags"), &flags) < 0)
        return -1;
    struct xf_str s = {0};
    if (str_arg(r, xf_arg(args, 1, "string"), "string", &s) < 0)
        return -1;
    struct pattern tmp = {0};
    const struct pattern *p;
    if (pattern_arg(r, xf_arg(args, 0, "pattern"), flags, &tmp, &p) < 0)
        return -1;
    int rc = op_match(r, out, p, s, mode);
    if (tmp.code)
        release(&tmp);
    return rc;
}

NATIVE(re_match)
{
    (void)self;
    return module_match(out, r, args, MATCH);
}
NATIVE(re_search)
{
    (void)self;
    return module_match(out, r, args, SEARCH);
}
NATIVE(re_fullmatch)
{
    (void)self;
    return module_match(out, r, args, FULLMATCH);
}

NATIVE(re_findall)
{
    (void)self;
    int64_t flags = 0;
    struct xf_str s = {0};
    if (int_arg(r, xf_arg(args, 2, "flags"), &flags) < 0 ||
        str_arg(r, xf_arg(args, 1, "string"), "string", &s) < 0)
        return -1;
    struct pattern tmp = {0};
    const struct pattern *p;
    if (pattern_arg(r, xf_arg(args, 0, "pattern"), flags, &tmp, &p) < 0)
        return -1;
    int rc = op_findall(r, out, p, s);
    if (tmp.code)
        release(&tmp);
    return rc;
}

NATIVE(re_split)
{
    (void)self;
    int64_t flags = 0, maxsplit = 0;
    struct xf_str s = {0};
    if (int_arg(r, xf_arg(args, 3, "flags"), &flags) < 0 ||
        int_arg(r, xf_arg(args, 2, "maxsplit"), &maxsplit) < 0 ||
        str_arg(r, xf_arg(args, 1, "string"), "string", &s) < 0)
        return -1;
    struct pattern tmp = {0};
    const struct pattern *p;
    if (pattern_arg(r, xf_arg(args, 0, "pattern"), flags, &tmp, &p) < 0)
        return -1;
    int rc = op_split(r, out, p, s, maxsplit);
    if (tmp.code)
        release(&tmp);
    return rc;
}

NATIVE(re_sub)
{
    (void)self;
    int64_t flags = 0, count = 0;
    struct xf_str s = {0};
    const struct xf_value *repl = xf_arg(args, 1, "repl");
    if (!repl)
        return xf_render_error(r, "missing the repl argument");
    if (int_arg(r, xf_arg(args, 4, "flags"), &flags) < 0 ||
        int_arg(r, xf_arg(args, 3, "count"), &count) < 0 ||
        str_arg(r, xf_arg(args, 2, "string"), "string", &s) < 0)
        return -1;
    struct pattern tmp = {0};
    const struct pattern *p;
    if (pattern_arg(r, xf_arg(args, 0, "pattern"), flags, &tmp, &p) < 0)
        return -1;
    int rc = op_sub(r, out, p, repl, s, count);
    if (tmp.code)
        release(&tmp);
    return rc;
}

NATIVE(re_escape)
{
    (void)self;
    struct xf_str s = {0};
    if (str_arg(r, xf_arg(args, 0, "pattern"), "pattern", &s) < 0)
        return -1;
    size_t mark = r->out->len;
    for (size_t i = 0; i < s.len; i++) {
        if (strchr("()[]{}?*+-|^$\\.&~# \t\n\r\v\f", s.p[i]) && s.p[i])
            xf_buf_addch(r->out, '\\');
        xf_buf_addch(r->out, s.p[i]);
    }
    size_t n = r->out->len - mark;
    *out = xf_v_str(xf_str_n(xf_arena_strndup(r->a, r->out->ptr + mark, n), n));
    xf_buf_setlen(r->out, mark);
    return 0;
}

/* ---- compiled patterns ---- */

static const struct pattern *pat_of(const struct xf_func *self)
{
    return ((const struct xf_obj *)self->data)->data;
}

static int pmatch(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                  const struct xf_args *args, enum mode mode)
{
    struct xf_str s = {0};
    if (str_arg(r, xf_arg(args, 0, "string"), "string", &s) < 0)
        return -1;
    return op_match(r, out, pat_of(self), s, mode);
}

NATIVE(p_match)
{
    return pmatch(out, r, self, args, MATCH);
}
NATIVE(p_search)
{
    return pmatch(out, r, self, args, SEARCH);
}
NATIVE(p_fullmatch)
{
    return pmatch(out, r, self, args, FULLMATCH);
}
NATIVE(p_findall)
{
    struct xf_str s = {0};
    if (str_arg(r, xf_arg(args, 0, "string"), "string", &s) < 0)
        return -1;
    return op_findall(r, out, pat_of(self), s);
}
NATIVE(p_split)
{
    struct xf_str s = {0};
    int64_t maxsplit = 0;
    if (str_arg(r, xf_arg(args, 0, "string"), "string", &s) < 0 ||
        int_arg(r, xf_arg(args, 1, "maxsplit"), &maxsplit) < 0)
        return -1;
    return op_split(r, out, pat_of(self), s, maxsplit);
}
NATIVE(p_sub)
{
    struct xf_str s = {0};
    int64_t count = 0;
    const struct xf_value *repl = xf_arg(args, 0, "repl");
    if (!repl)
        return xf_render_error(r, "missing the repl argument");
    if (str_arg(r, xf_arg(args, 1, "string"), "string", &s) < 0 ||
        int_arg(r, xf_arg(args, 2, "count"), &count) < 0)
        return -1;
    return op_sub(r, out, pat_of(self), repl, s, count);
}

static int pattern_getattr(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                           struct xf_str name)
{
    const struct pattern *p = o->data;
    static const struct class_method ms[] = {
        {"match", p_match},     {"search", p_search}, {"fullmatch", p_fullmatch},
        {"findall", p_findall}, {"split", p_split},   {"sub", p_sub},
        {NULL, NULL},
    };
    for (const struct class_method *c = ms; c->name; c++) {
        if (xf_str_eqc(name, c->name)) {
            *out = xf_tpl_obj_method(r, o, c->fn, c->name);
            return 0;
        }
    }
    if (xf_str_eqc(name, "pattern")) {
        *out = xf_v_str(p->text);
        return 0;
    }
    if (xf_str_eqc(name, "flags")) {
        *out = xf_v_int(p->flags);
        return 0;
    }
    if (xf_str_eqc(name, "groups")) {
        *out = xf_v_int(p->ngroups);
        return 0;
    }
    return 1;
}

static void pattern_str(struct xf_buf *out, const struct xf_obj *o)
{
    const struct pattern *p = o->data;
    struct xf_value t = xf_v_str(p->text);
    xf_buf_adds(out, "re.compile(");
    xf_value_repr(out, &t);
    xf_buf_addch(out, ')');
}

static const struct xf_obj_ops pattern_ops = {
    .type_name = "re.Pattern", .getattr = pattern_getattr, .str = pattern_str};

NATIVE(re_compile)
{
    (void)self;
    int64_t flags = 0;
    struct xf_str text = {0};
    if (int_arg(r, xf_arg(args, 1, "flags"), &flags) < 0 ||
        str_arg(r, xf_arg(args, 0, "pattern"), "pattern", &text) < 0)
        return -1;
    struct pattern *p = XF_ANEW(r->a, struct pattern);
    if (compile(r, p, text, flags, true) < 0)
        return -1;
    struct xf_obj *o = XF_ANEW(r->a, struct xf_obj);
    o->ops = &pattern_ops;
    o->data = p;
    *out = xf_v_obj(o);
    return 0;
}

static const struct xf_func f_match = {"match", re_match, NULL, NULL};
static const struct xf_func f_search = {"search", re_search, NULL, NULL};
static const struct xf_func f_fullmatch = {"fullmatch", re_fullmatch, NULL, NULL};
static const struct xf_func f_findall = {"findall", re_findall, NULL, NULL};
static const struct xf_func f_split = {"split", re_split, NULL, NULL};
static const struct xf_func f_sub = {"sub", re_sub, NULL, NULL};
static const struct xf_func f_escape = {"escape", re_escape, NULL, NULL};
static const struct xf_func f_compile = {"compile", re_compile, NULL, NULL};

/* modules.re is an object (not a dict) so its ~20 names stay read-only statics. */
static const struct {
    const char *name;
    const struct xf_func *f;
    int64_t flag;
} re_names[] = {
    {"match", &f_match, 0},     {"search", &f_search, 0},   {"fullmatch", &f_fullmatch, 0},
    {"findall", &f_findall, 0}, {"split", &f_split, 0},     {"sub", &f_sub, 0},
    {"escape", &f_escape, 0},   {"compile", &f_compile, 0}, {"I", NULL, PY_I},
    {"IGNORECASE", NULL, PY_I}, {"M", NULL, PY_M},          {"MULTILINE", NULL, PY_M},
    {"S", NULL, PY_S},          {"DOTALL", NULL, PY_S},     {"X", NULL, PY_X},
    {"VERBOSE", NULL, PY_X},    {"A", NULL, PY_A},          {"ASCII", NULL, PY_A},
    {"U", NULL, PY_U},          {"UNICODE", NULL, PY_U},    {"L", NULL, PY_L},
    {"LOCALE", NULL, PY_L},
};

static int re_getattr(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                      struct xf_str name)
{
    (void)r;
    (void)o;
    for (size_t i = 0; i < sizeof re_names / sizeof *re_names; i++) {
        if (xf_str_eqc(name, re_names[i].name)) {
            *out = re_names[i].f ? xf_v_func(re_names[i].f) : xf_v_int(re_names[i].flag);
            return 0;
        }
    }
    return 1;
}

static void re_str(struct xf_buf *out, const struct xf_obj *o)
{
    (void)o;
    xf_buf_adds(out, "<module 're'>");
}

static const struct xf_obj_ops re_module_ops = {
    .type_name = "module", .getattr = re_getattr, .str = re_str};
static const struct xf_obj re_module_obj = {&re_module_ops, NULL};

struct xf_value xf_tpl_re_module(struct xf_arena *a)
{
    (void)a;
    return xf_v_obj(&re_module_obj);
}
