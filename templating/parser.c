// SPDX-License-Identifier: MIT
/*
 * Recursive-descent parser from tokens to the AST, following Jinja's
 * grammar and operator precedence exactly (including its quirks, such as
 * left-associative '**' and '~' binding tighter than '+'). Filters and
 * tests are resolved here, so a misspelt filter is a parse error. Top-level
 * macro, test, materialization, snapshot and docs blocks are recorded for
 * the project loader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "templating/internal.h"

struct ps {
    struct xf_arena *a;
    const struct xf_source *src;
    struct tok *t;
    size_t i;
    struct xf_diags *diags;
    int depth;      /* statement nesting; 0 = top level */
    int loop_depth; /* for break / continue */
    int expr_depth;
    struct macro *cur_macro;
    bool failed; /* an error was reported inside a loop that went on */
    struct {
        struct xf_block *v;
        size_t n, cap;
    } blocks;
};

#define MAX_EXPR_DEPTH 200
#define MAX_AST_DEPTH 400
#define MAX_BLOCK_DEPTH 200

/* Whether text has a {{, {% or {# in it. */
static bool has_tag(const char *p, size_t n)
{
    for (const char *e = p + n; p + 1 < e; p++) {
        p = memchr(p, '{', (size_t)(e - p - 1));
        if (!p)
            return false;
        if (p[1] == '{' || p[1] == '%' || p[1] == '#')
            return true;
    }
    return false;
}

static struct tok *cur(struct ps *P)
{
    return &P->t[P->i];
}

static struct tok *peek(struct ps *P, size_t k)
{
    size_t j = P->i;
    while (k-- && P->t[j].kind != TK_EOF)
        j++;
    return &P->t[j];
}

static void next(struct ps *P)
{
    if (P->t[P->i].kind != TK_EOF)
        P->i++;
}

static bool is_op(const struct tok *t, char c)
{
    return t->kind == TK_OP && t->op == c;
}

static bool is_name(const struct tok *t, const char *n)
{
    return t->kind == TK_NAME && xf_str_eqc(t->s, n);
}

static uint32_t prev_end(struct ps *P)
{
    struct tok *t = &P->t[P->i ? P->i - 1 : 0];
    return t->off + t->len;
}

static int perr(struct ps *P, uint32_t off, uint32_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int perr(struct ps *P, uint32_t off, uint32_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    xf_diag_vadd(P->diags, XF_SEV_ERROR, (struct xf_loc){P->src, off, len}, fmt, ap);
    va_end(ap);
    return -1;
}

static const char *desc(struct ps *P, const struct tok *t)
{
    return xf_tpl_tok_desc(P->a, P->src, t);
}

/* "expected Y, got X" at the current token. */
static int unexpected(struct ps *P, const char *expected)
{
    struct tok *t = cur(P);
    return perr(P, t->off, t->len, "expected %s, got %s", expected, desc(P, t));
}

/* Separator between items: ',' or the closing bracket. */
static int expect_sep(struct ps *P, char close)
{
    if (is_op(cur(P), ',')) {
        next(P);
        return 0;
    }
    char want[24];
    snprintf(want, sizeof want, "',' or '%c'", close);
    return unexpected(P, want);
}

static int expect_op(struct ps *P, char c)
{
    if (is_op(cur(P), c)) {
        next(P);
        return 0;
    }
    char want[8] = {'\'', c, '\'', 0};
    return unexpected(P, want);
}

static int expect_name(struct ps *P, struct xf_str *out, const char *what)
{
    if (cur(P)->kind != TK_NAME)
        return unexpected(P, what);
    *out = cur(P)->s;
    next(P);
    return 0;
}

static int expect_block_end(struct ps *P)
{
    if (cur(P)->kind == TK_BLOCK_END) {
        next(P);
        return 0;
    }
    return unexpected(P, "'%}'");
}

static struct expr *new_expr(struct ps *P, uint8_t kind, uint32_t off)
{
    struct expr *e = XF_ANEW(P->a, struct expr);
    e->kind = kind;
    e->off = off;
    return e;
}

/*
 * The tree's vectors (a body's statements, a call's arguments ...) start
 * in a buffer on the stack and go to the arena exactly sized once whole:
 * grown in the arena between the allocations of their own items, every
 * outgrown copy stayed behind, a third of a small model's tree.
 */
#define STACK_VEC(vec, buf) ((vec).v = (buf), (vec).n = 0, (vec).cap = sizeof(buf) / sizeof *(buf))
#define VEC_FINAL(P, vec, buf) vec_final((P), (vec).v, (buf), (vec).n, sizeof *(vec).v)

static void *vec_final(struct ps *P, void *v, const void *buf, size_t n, size_t elem)
{
    if (!n)
        return NULL;
    if (v != buf)
        return v; /* outgrew the stack buffer: already in the arena */
    void *p = xf_arena_alloc(P->a, n * elem);
    memcpy(p, v, n * elem);
    return p;
}

static uint16_t hmax(uint16_t d, const struct expr *c)
{
    return c && c->depth >= d ? (uint16_t)(c->depth + 1) : d;
}

static uint16_t args_depth(uint16_t d, const struct callargs *a)
{
    for (uint32_t i = 0; i < a->npos; i++)
        d = hmax(d, a->pos[i]);
    for (uint32_t i = 0; i < a->nkw; i++)
        d = hmax(d, a->kwvals[i]);
    return hmax(hmax(d, a->star), a->dstar);
}

/* Height of a node from its children's. */
static uint16_t depth_of(const struct expr *e)
{
    uint16_t d = 0;
    switch (e->kind) {
    case E_ATTR:
        return hmax(d, e->u.attr.obj);
    case E_ITEM:
        return hmax(hmax(d, e->u.item.obj), e->u.item.idx);
    case E_SLICE:
        d = hmax(hmax(d, e->u.slice.obj), e->u.slice.lo);
        return hmax(hmax(d, e->u.slice.hi), e->u.slice.step);
    case E_CALL:
        return args_depth(hmax(d, e->u.call.fn), ARGS(e->u.call.args));
    case E_FILTER:
        return args_depth(hmax(d, e->u.filter.val), ARGS(e->u.filter.args));
    case E_TEST:
        return args_depth(hmax(d, e->u.test.val), ARGS(e->u.test.args));
    case E_LIST:
    case E_TUPLE:
    case E_DICT:
    case E_CONCAT:
        for (uint32_t i = 0; i < e->u.list.n; i++)
            d = hmax(d, e->u.list.items[i]);
        return d;
    case E_BIN:
    case E_AND:
    case E_OR:
        return hmax(hmax(d, e->u.bin.a), e->u.bin.b);
    case E_NOT:
    case E_NEG:
    case E_POS:
        return hmax(d, e->u.bin.a);
    case E_CMP:
        d = hmax(d, e->u.cmp.first);
        for (uint32_t i = 0; i < e->u.cmp.n; i++)
            d = hmax(d, e->u.cmp.ops[i].e);
        return d;
    case E_COND:
        return hmax(hmax(hmax(d, e->u.cond.cond), e->u.cond.then), e->u.cond.els);
    default:
        return 0;
    }
}

static void finish(struct ps *P, struct expr *e)
{
    uint32_t end = prev_end(P);
    e->len = end > e->off ? end - e->off : 0;
    e->depth = depth_of(e);
    if (e->depth > MAX_AST_DEPTH && !P->failed) {
        P->failed = true;
        perr(P, e->off, e->len, "expression is nested too deeply");
    }
}

/* ---- Expressions ---- */

static struct expr *parse_expression(struct ps *P, bool with_condexpr);
static struct expr *parse_unary(struct ps *P, bool with_filter);
static struct expr *parse_primary(struct ps *P);
static struct expr *parse_postfix(struct ps *P, struct expr *node);
static struct expr *parse_filter_expr(struct ps *P, struct expr *node);

static void *fail_null(int rc)
{
    (void)rc;
    return NULL;
}

static bool tuple_end(struct ps *P, const char *extra_end)
{
    struct tok *t = cur(P);
    if (t->kind == TK_VAR_END || t->kind == TK_BLOCK_END || t->kind == TK_EOF || is_op(t, ')'))
        return true;
    return extra_end && is_name(t, extra_end);
}

static struct expr *parse_tuple(struct ps *P, bool simplified, bool with_condexpr,
                                const char *extra_end, bool explicit_parens)
{
    uint32_t off = cur(P)->off;
    struct {
        struct expr **v;
        size_t n, cap;
    } items;
    struct expr *items_buf[8];
    STACK_VEC(items, items_buf);
    bool is_tuple = false;
    for (;;) {
        if (items.n) {
            if (expect_op(P, ',') < 0)
                return NULL;
        }
        if (tuple_end(P, extra_end))
            break;
        struct expr *e = simplified ? parse_primary(P) : parse_expression(P, with_condexpr);
        if (!e)
            return NULL;
        xf_avec_push(P->a, &items, e);
        if (is_op(cur(P), ','))
            is_tuple = true;
        else
            break;
    }
    if (P->failed)
        return NULL;
    if (!is_tuple) {
        if (items.n)
            return items.v[0];
        if (!explicit_parens)
            return fail_null(unexpected(P, "an expression"));
    }
    struct expr *e = new_expr(P, E_TUPLE, off);
    e->u.list.items = VEC_FINAL(P, items, items_buf);
    e->u.list.n = (uint32_t)items.n;
    finish(P, e);
    return e;
}

static struct expr *parse_or(struct ps *P);

static struct expr *parse_condexpr(struct ps *P)
{
    uint32_t off = cur(P)->off;
    struct expr *e1 = parse_or(P);
    if (!e1)
        return NULL;
    while (is_name(cur(P), "if")) {
        next(P);
        struct expr *e2 = parse_or(P);
        if (!e2)
            return NULL;
        struct expr *e3 = NULL;
        if (is_name(cur(P), "else")) {
            next(P);
            if (!(e3 = parse_condexpr(P)))
                return NULL;
        }
        struct expr *c = new_expr(P, E_COND, off);
        c->u.cond.cond = e2;
        c->u.cond.then = e1;
        c->u.cond.els = e3;
        finish(P, c);
        e1 = c;
    }
    return e1;
}

static struct expr *parse_expression(struct ps *P, bool with_condexpr)
{
    if (++P->expr_depth > MAX_EXPR_DEPTH) {
        P->expr_depth--;
        return fail_null(perr(P, cur(P)->off, cur(P)->len, "expression is nested too deeply"));
    }
    struct expr *e = with_condexpr ? parse_condexpr(P) : parse_or(P);
    P->expr_depth--;
    return P->failed ? NULL : e;
}

static struct expr *binary(struct ps *P, uint8_t kind, char op, struct expr *a, struct expr *b)
{
    struct expr *e = new_expr(P, kind, a->off);
    e->op = op;
    e->u.bin.a = a;
    e->u.bin.b = b;
    finish(P, e);
    return e;
}

static struct expr *parse_not(struct ps *P);

static struct expr *parse_and(struct ps *P)
{
    struct expr *l = parse_not(P);
    while (l && is_name(cur(P), "and")) {
        next(P);
        struct expr *r = parse_not(P);
        if (!r)
            return NULL;
        l = binary(P, E_AND, 0, l, r);
    }
    return l;
}

static struct expr *parse_or(struct ps *P)
{
    struct expr *l = parse_and(P);
    while (l && is_name(cur(P), "or")) {
        next(P);
        struct expr *r = parse_and(P);
        if (!r)
            return NULL;
        l = binary(P, E_OR, 0, l, r);
    }
    return l;
}

static struct expr *parse_compare(struct ps *P);

static struct expr *parse_not(struct ps *P)
{
    if (is_name(cur(P), "not")) {
        uint32_t off = cur(P)->off;
        next(P);
        struct expr *x = parse_not(P);
        if (!x)
            return NULL;
        struct expr *e = new_expr(P, E_NOT, off);
        e->u.bin.a = x;
        finish(P, e);
        return e;
    }
    return parse_compare(P);
}

static struct expr *parse_math1(struct ps *P);

static struct expr *parse_compare(struct ps *P)
{
    uint32_t off = cur(P)->off;
    struct expr *first = parse_math1(P);
    if (!first)
        return NULL;
    struct {
        struct cmp_op *v;
        size_t n, cap;
    } ops = {0};
    for (;;) {
        struct tok *t = cur(P);
        char op = 0;
        if (t->kind == TK_OP && (t->op == OP_EQ || t->op == OP_NE || t->op == '<' ||
                                 t->op == OP_LE || t->op == '>' || t->op == OP_GE)) {
            op = t->op;
            next(P);
        } else if (is_name(t, "in")) {
            op = OP_IN;
            next(P);
        } else if (is_name(t, "not") && is_name(peek(P, 1), "in")) {
            op = OP_NOTIN;
            next(P);
            next(P);
        } else {
            break;
        }
        struct expr *r = parse_math1(P);
        if (!r)
            return NULL;
        struct cmp_op co = {op, r};
        xf_avec_push(P->a, &ops, co);
    }
    if (!ops.n)
        return first;
    struct expr *e = new_expr(P, E_CMP, off);
    e->u.cmp.first = first;
    e->u.cmp.ops = ops.v;
    e->u.cmp.n = (uint32_t)ops.n;
    finish(P, e);
    return e;
}

static struct expr *parse_concat(struct ps *P);

static struct expr *parse_math1(struct ps *P)
{
    struct expr *l = parse_concat(P);
    while (l && (is_op(cur(P), '+') || is_op(cur(P), '-'))) {
        char op = cur(P)->op;
        next(P);
        struct expr *r = parse_concat(P);
        if (!r)
            return NULL;
        l = binary(P, E_BIN, op, l, r);
    }
    return l;
}

static struct expr *parse_math2(struct ps *P);

static struct expr *parse_concat(struct ps *P)
{
    uint32_t off = cur(P)->off;
    struct expr *first = parse_math2(P);
    if (!first || !is_op(cur(P), '~'))
        return first;
    struct {
        struct expr **v;
        size_t n, cap;
    } items = {0};
    xf_avec_push(P->a, &items, first);
    while (is_op(cur(P), '~')) {
        next(P);
        struct expr *r = parse_math2(P);
        if (!r)
            return NULL;
        xf_avec_push(P->a, &items, r);
    }
    struct expr *e = new_expr(P, E_CONCAT, off);
    e->u.list.items = items.v;
    e->u.list.n = (uint32_t)items.n;
    finish(P, e);
    return e;
}

static struct expr *parse_pow(struct ps *P);

static struct expr *parse_math2(struct ps *P)
{
    struct expr *l = parse_pow(P);
    while (l && (is_op(cur(P), '*') || is_op(cur(P), '/') || is_op(cur(P), OP_FLOORDIV) ||
                 is_op(cur(P), '%'))) {
        char op = cur(P)->op;
        next(P);
        struct expr *r = parse_pow(P);
        if (!r)
            return NULL;
        l = binary(P, E_BIN, op, l, r);
    }
    return l;
}

static struct expr *parse_pow(struct ps *P)
{
    struct expr *l = parse_unary(P, true);
    while (l && is_op(cur(P), OP_POW)) {
        next(P);
        struct expr *r = parse_unary(P, true);
        if (!r)
            return NULL;
        l = binary(P, E_BIN, OP_POW, l, r);
    }
    return l;
}

static struct expr *parse_unary(struct ps *P, bool with_filter)
{
    struct tok *t = cur(P);
    struct expr *node;
    if (is_op(t, '-') || is_op(t, '+')) {
        uint32_t off = t->off;
        bool neg = t->op == '-';
        next(P);
        if (++P->expr_depth > MAX_EXPR_DEPTH) {
            P->expr_depth--;
            return fail_null(perr(P, t->off, t->len, "expression is nested too deeply"));
        }
        struct expr *x = parse_unary(P, false);
        P->expr_depth--;
        if (!x)
            return NULL;
        /* Fold negative number literals. */
        if (neg && x->kind == E_CONST && (x->u.k.t == XF_V_INT || x->u.k.t == XF_V_FLOAT) &&
            x->off == off + 1) {
            node = new_expr(P, E_CONST, off);
            node->u.k = x->u.k.t == XF_V_INT ? xf_v_int(-x->u.k.u.i) : xf_v_float(-x->u.k.u.f);
        } else {
            node = new_expr(P, neg ? E_NEG : E_POS, off);
            node->u.bin.a = x;
        }
        finish(P, node);
    } else {
        node = parse_primary(P);
    }
    if (!node)
        return NULL;
    node = parse_postfix(P, node);
    if (node && with_filter)
        node = parse_filter_expr(P, node);
    return node;
}

static struct expr *parse_call_args(struct ps *P, struct callargs **out)
{
    /* at '(' */
    next(P);
    struct callargs *ca = *out = XF_ANEW(P->a, struct callargs);
    struct {
        struct expr **v;
        size_t n, cap;
    } pos, kwv;
    struct {
        struct xf_str *v;
        size_t n, cap;
    } kwn;
    struct expr *pos_buf[8], *kwv_buf[8];
    struct xf_str kwn_buf[8];
    STACK_VEC(pos, pos_buf);
    STACK_VEC(kwv, kwv_buf);
    STACK_VEC(kwn, kwn_buf);
    bool any = false;
    while (!is_op(cur(P), ')')) {
        if (any) {
            if (expect_sep(P, ')') < 0)
                return NULL;
            if (is_op(cur(P), ')'))
                break;
        }
        any = true;
        if (is_op(cur(P), '*')) {
            next(P);
            if (!(ca->star = parse_expression(P, true)))
                return NULL;
        } else if (is_op(cur(P), OP_POW)) {
            next(P);
            if (!(ca->dstar = parse_expression(P, true)))
                return NULL;
        } else if (cur(P)->kind == TK_NAME && is_op(peek(P, 1), '=')) {
            struct xf_str k = cur(P)->s;
            next(P);
            next(P);
            struct expr *v = parse_expression(P, true);
            if (!v)
                return NULL;
            xf_avec_push(P->a, &kwn, k);
            xf_avec_push(P->a, &kwv, v);
        } else {
            if (kwn.n || ca->star || ca->dstar) {
                return fail_null(perr(P, cur(P)->off, cur(P)->len,
                                      "positional argument follows keyword argument"));
            }
            struct expr *v = parse_expression(P, true);
            if (!v)
                return NULL;
            xf_avec_push(P->a, &pos, v);
        }
    }
    if (expect_op(P, ')') < 0)
        return NULL;
    ca->pos = VEC_FINAL(P, pos, pos_buf);
    ca->npos = (uint32_t)pos.n;
    ca->kwnames = VEC_FINAL(P, kwn, kwn_buf);
    ca->kwvals = VEC_FINAL(P, kwv, kwv_buf);
    ca->nkw = (uint32_t)kwn.n;
    return (struct expr *)1;
}

static struct expr *parse_call(struct ps *P, struct expr *fn)
{
    struct expr *e = new_expr(P, E_CALL, fn->off);
    e->u.call.fn = fn;
    if (!parse_call_args(P, &e->u.call.args))
        return NULL;
    finish(P, e);
    return e;
}

static struct expr *parse_subscribed(struct ps *P)
{
    uint32_t off = cur(P)->off;
    struct expr *args[3] = {NULL, NULL, NULL};
    if (is_op(cur(P), ':')) {
        next(P);
    } else {
        struct expr *node = parse_expression(P, true);
        if (!node || !is_op(cur(P), ':'))
            return node;
        next(P);
        args[0] = node;
    }
    if (!is_op(cur(P), ':') && !is_op(cur(P), ']') && !is_op(cur(P), ',')) {
        if (!(args[1] = parse_expression(P, true)))
            return NULL;
    }
    if (is_op(cur(P), ':')) {
        next(P);
        if (!is_op(cur(P), ']') && !is_op(cur(P), ',')) {
            if (!(args[2] = parse_expression(P, true)))
                return NULL;
        }
    }
    struct expr *e = new_expr(P, E_SLICE, off);
    e->u.slice.lo = args[0];
    e->u.slice.hi = args[1];
    e->u.slice.step = args[2];
    return e;
}

static struct expr *parse_postfix(struct ps *P, struct expr *node)
{
    for (;;) {
        struct tok *t = cur(P);
        if (is_op(t, '.')) {
            next(P);
            struct tok *a = cur(P);
            if (a->kind == TK_NAME) {
                struct expr *e = new_expr(P, E_ATTR, node->off);
                e->u.attr.obj = node;
                e->u.attr.name = a->s;
                next(P);
                finish(P, e);
                node = e;
            } else if (a->kind == TK_INT) {
                struct expr *k = new_expr(P, E_CONST, a->off);
                k->u.k = xf_v_int(a->v.i);
                k->len = a->len;
                next(P);
                struct expr *e = new_expr(P, E_ITEM, node->off);
                e->u.item.obj = node;
                e->u.item.idx = k;
                finish(P, e);
                node = e;
            } else {
                return fail_null(unexpected(P, "an attribute name"));
            }
        } else if (is_op(t, '[')) {
            next(P);
            struct {
                struct expr **v;
                size_t n, cap;
            } args = {0};
            while (!is_op(cur(P), ']')) {
                if (args.n) {
                    if (expect_sep(P, ']') < 0)
                        return NULL;
                    if (is_op(cur(P), ']'))
                        break;
                }
                struct expr *s = parse_subscribed(P);
                if (!s)
                    return NULL;
                xf_avec_push(P->a, &args, s);
            }
            if (expect_op(P, ']') < 0)
                return NULL;
            if (!args.n)
                return fail_null(perr(P, t->off, prev_end(P) - t->off, "empty subscript"));
            struct expr *idx;
            if (args.n == 1) {
                idx = args.v[0];
            } else {
                /*
                 * `x[:, 2]` makes a tuple key holding a slice: no list, string
                 * or dict takes one (Jinja quietly gives an undefined value),
                 * and a slice outside a subscript has no object to cut.
                 */
                for (size_t i = 0; i < args.n; i++) {
                    if (args.v[i]->kind == E_SLICE) {
                        return fail_null(perr(P, t->off, prev_end(P) - t->off,
                                              "a slice cannot be one item of a tuple subscript "
                                              "(use one slice or one index per '[...]')"));
                    }
                }
                idx = new_expr(P, E_TUPLE, args.v[0]->off);
                idx->u.list.items = args.v;
                idx->u.list.n = (uint32_t)args.n;
            }
            struct expr *e;
            if (idx->kind == E_SLICE) {
                e = idx;
                e->off = node->off;
                e->u.slice.obj = node;
            } else {
                e = new_expr(P, E_ITEM, node->off);
                e->u.item.obj = node;
                e->u.item.idx = idx;
            }
            finish(P, e);
            node = e;
        } else if (is_op(t, '(')) {
            if (!(node = parse_call(P, node)))
                return NULL;
        } else {
            return node;
        }
    }
}

static int dotted_name(struct ps *P, struct xf_str *out, uint32_t *off, uint32_t *len)
{
    if (cur(P)->kind != TK_NAME)
        return unexpected(P, "a name");
    *off = cur(P)->off;
    *out = cur(P)->s;
    next(P);
    while (is_op(cur(P), '.') && peek(P, 1)->kind == TK_NAME) {
        next(P);
        next(P);
    }
    *len = prev_end(P) - *off;
    if (*len != out->len)
        *out = xf_str_n(P->src->text + *off, *len);
    return 0;
}

/* `node | f(args) | g` (node may be an E_SLOT for filter blocks). */
static struct expr *parse_filter(struct ps *P, struct expr *node, bool start_inline)
{
    while (is_op(cur(P), '|') || start_inline) {
        if (!start_inline)
            next(P);
        start_inline = false;
        struct xf_str name = {0};
        uint32_t noff = 0, nlen = 0;
        if (dotted_name(P, &name, &noff, &nlen) < 0)
            return NULL;
        const struct filter_def *f = xf_tpl_find_filter(name);
        if (!f) {
            const char *s = xf_tpl_suggest_filter(name);
            if (s) {
                return fail_null(perr(P, noff, nlen, "unknown filter '%.*s' (did you mean '%s'?)",
                                      XF_STR_ARG(name), s));
            }
            return fail_null(perr(P, noff, nlen, "unknown filter '%.*s'", XF_STR_ARG(name)));
        }
        struct expr *e = new_expr(P, E_FILTER, node->kind == E_SLOT ? noff : node->off);
        e->u.filter.val = node;
        e->u.filter.def = f;
        if (is_op(cur(P), '(') && !parse_call_args(P, &e->u.filter.args))
            return NULL;
        finish(P, e);
        node = e;
    }
    return P->failed ? NULL : node;
}

static struct expr *parse_test(struct ps *P, struct expr *node)
{
    next(P); /* is */
    bool negate = false;
    if (is_name(cur(P), "not")) {
        negate = true;
        next(P);
    }
    struct xf_str name = {0};
    uint32_t noff = 0, nlen = 0;
    if (dotted_name(P, &name, &noff, &nlen) < 0)
        return NULL;
    const struct test_def *td = xf_tpl_find_test(name);
    if (!td) {
        const char *s = xf_tpl_suggest_test(name);
        if (s) {
            return fail_null(perr(P, noff, nlen, "unknown test '%.*s' (did you mean '%s'?)",
                                  XF_STR_ARG(name), s));
        }
        return fail_null(perr(P, noff, nlen, "unknown test '%.*s'", XF_STR_ARG(name)));
    }
    struct expr *e = new_expr(P, E_TEST, node->off);
    e->u.test.val = node;
    e->u.test.def = td;
    e->u.test.negate = negate;
    struct tok *t = cur(P);
    if (is_op(t, '(')) {
        if (!parse_call_args(P, &e->u.test.args))
            return NULL;
    } else if ((t->kind == TK_NAME || t->kind == TK_STRING || t->kind == TK_INT ||
                t->kind == TK_FLOAT || is_op(t, '[') || is_op(t, '{')) &&
               !is_name(t, "else") && !is_name(t, "or") && !is_name(t, "and")) {
        if (is_name(t, "is"))
            return fail_null(perr(P, t->off, t->len, "tests cannot be chained with 'is'"));
        struct expr *arg = parse_primary(P);
        if (!arg || !(arg = parse_postfix(P, arg)))
            return NULL;
        struct expr **pa = XF_ANEWN(P->a, struct expr *, 1);
        pa[0] = arg;
        e->u.test.args = XF_ANEW(P->a, struct callargs);
        e->u.test.args->pos = pa;
        e->u.test.args->npos = 1;
    }
    finish(P, e);
    return e;
}

static struct expr *parse_filter_expr(struct ps *P, struct expr *node)
{
    while (node) {
        struct tok *t = cur(P);
        if (is_op(t, '|'))
            node = parse_filter(P, node, false);
        else if (is_name(t, "is"))
            node = parse_test(P, node);
        else if (is_op(t, '('))
            node = parse_call(P, node);
        else
            break;
    }
    return node;
}

static struct expr *parse_list_or_dict(struct ps *P, bool dict)
{
    uint32_t off = cur(P)->off;
    next(P);
    char close = dict ? '}' : ']';
    struct {
        struct expr **v;
        size_t n, cap;
    } items = {0};
    while (!is_op(cur(P), close)) {
        if (items.n) {
            if (expect_sep(P, close) < 0)
                return NULL;
            if (is_op(cur(P), close))
                break;
        }
        struct expr *k = parse_expression(P, true);
        if (!k)
            return NULL;
        xf_avec_push(P->a, &items, k);
        if (dict) {
            if (expect_op(P, ':') < 0)
                return NULL;
            struct expr *v = parse_expression(P, true);
            if (!v)
                return NULL;
            xf_avec_push(P->a, &items, v);
        }
    }
    if (expect_op(P, close) < 0)
        return NULL;
    struct expr *e = new_expr(P, dict ? E_DICT : E_LIST, off);
    e->u.list.items = items.v;
    e->u.list.n = (uint32_t)items.n;
    finish(P, e);
    return e;
}

static void note_name(struct ps *P, struct xf_str n)
{
    if (!P->cur_macro)
        return;
    if (xf_str_eqc(n, "varargs"))
        P->cur_macro->catch_varargs = true;
    else if (xf_str_eqc(n, "kwargs"))
        P->cur_macro->catch_kwargs = true;
    else if (xf_str_eqc(n, "caller"))
        P->cur_macro->uses_caller = true;
}

static struct expr *parse_primary(struct ps *P)
{
    struct tok *t = cur(P);
    struct expr *e;
    switch (t->kind) {
    case TK_NAME:
        e = new_expr(P, E_CONST, t->off);
        if (is_name(t, "true") || is_name(t, "True")) {
            e->u.k = xf_v_bool(true);
        } else if (is_name(t, "false") || is_name(t, "False")) {
            e->u.k = xf_v_bool(false);
        } else if (is_name(t, "none") || is_name(t, "None")) {
            e->u.k = xf_v_none();
        } else {
            e->kind = E_NAME;
            e->u.name.name = t->s;
            e->u.name.hash = xf_str_hash(t->s);
            note_name(P, t->s);
        }
        next(P);
        finish(P, e);
        return e;
    case TK_STRING: {
        e = new_expr(P, E_CONST, t->off);
        struct xf_str s = t->s;
        next(P);
        if (cur(P)->kind == TK_STRING) {
            struct xf_buf b = XF_BUF_INIT;
            xf_buf_addstr(&b, s);
            while (cur(P)->kind == TK_STRING) {
                xf_buf_addstr(&b, cur(P)->s);
                next(P);
            }
            s = xf_str_n(xf_arena_strndup(P->a, b.ptr, b.len), b.len);
            xf_buf_release(&b);
        }
        e->u.k = xf_v_str(s);
        finish(P, e);
        return e;
    }
    case TK_INT:
    case TK_FLOAT:
        e = new_expr(P, E_CONST, t->off);
        e->u.k = t->kind == TK_INT ? xf_v_int(t->v.i) : xf_v_float(t->v.f);
        next(P);
        finish(P, e);
        return e;
    case TK_OP:
        if (t->op == '(') {
            uint32_t off = t->off;
            next(P);
            if (++P->expr_depth > MAX_EXPR_DEPTH) {
                return fail_null(perr(P, off, 1, "expression is nested too deeply"));
            }
            e = parse_tuple(P, false, true, NULL, true);
            P->expr_depth--;
            if (!e || expect_op(P, ')') < 0)
                return NULL;
            if (e->kind == E_TUPLE) {
                e->off = off;
                finish(P, e);
            }
            return e;
        }
        if (t->op == '[' || t->op == '{') {
            if (++P->expr_depth > MAX_EXPR_DEPTH)
                return fail_null(perr(P, t->off, 1, "expression is nested too deeply"));
            e = parse_list_or_dict(P, t->op == '{');
            P->expr_depth--;
            return e;
        }
        break;
    default:
        break;
    }
    return fail_null(unexpected(P, "an expression"));
}

/* ---- Assignment targets ---- */

static int parse_target_name(struct ps *P, struct target *tg)
{
    struct tok *t = cur(P);
    if (t->kind != TK_NAME)
        return unexpected(P, "a variable name");
    static const char *const reserved[] = {"true", "false", "none", "True", "False", "None", "and",
                                           "or",   "not",   "in",   "is",   "if",    "else"};
    for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++) {
        if (is_name(t, reserved[i]))
            return perr(P, t->off, t->len, "cannot assign to '%s'", reserved[i]);
    }
    tg->kind = T_NAME;
    tg->off = t->off;
    tg->len = t->len;
    tg->name = t->s;
    tg->hash = xf_str_hash(t->s);
    next(P);
    return 0;
}

/* name | name.attr (with_namespace) | a, b (with_tuple) | (a, b) */
static int parse_assign_target(struct ps *P, struct target *tg, bool with_tuple,
                               bool with_namespace, const char *extra_end)
{
    uint32_t off = cur(P)->off;
    if (with_namespace && cur(P)->kind == TK_NAME && is_op(peek(P, 1), '.') &&
        peek(P, 2)->kind == TK_NAME) {
        struct expr *obj = new_expr(P, E_NAME, cur(P)->off);
        obj->u.name.name = cur(P)->s;
        obj->u.name.hash = xf_str_hash(cur(P)->s);
        obj->len = cur(P)->len;
        next(P);
        next(P);
        tg->kind = T_ATTR;
        tg->obj = obj;
        tg->name = cur(P)->s;
        next(P);
        tg->off = off;
        tg->len = prev_end(P) - off;
        return 0;
    }
    bool paren = false;
    if (is_op(cur(P), '(')) {
        paren = true;
        next(P);
    }
    struct {
        struct target *v;
        size_t n, cap;
    } items = {0};
    bool is_tuple = false;
    for (;;) {
        struct target one = {0};
        if (is_op(cur(P), '(')) {
            if (parse_assign_target(P, &one, true, false, extra_end) < 0)
                return -1;
        } else if (parse_target_name(P, &one) < 0) {
            return -1;
        }
        xf_avec_push(P->a, &items, one);
        if ((with_tuple || paren) && is_op(cur(P), ',')) {
            is_tuple = true;
            next(P);
            if ((extra_end && is_name(cur(P), extra_end)) || is_op(cur(P), ')') ||
                is_op(cur(P), '=') || cur(P)->kind == TK_BLOCK_END)
                break;
            continue;
        }
        break;
    }
    if (paren && expect_op(P, ')') < 0)
        return -1;
    if (!is_tuple) {
        *tg = items.v[0];
        return 0;
    }
    tg->kind = T_TUPLE;
    tg->items = items.v;
    tg->n = (uint32_t)items.n;
    tg->off = off;
    tg->len = prev_end(P) - off;
    return 0;
}

/* ---- Statements ---- */

struct opener {
    const char *tag;   /* "if" */
    const char *ends;  /* "'elif', 'else' or 'endif'" */
    uint32_t off, len; /* the opening tag */
};

static int parse_body(struct ps *P, struct body *out, const char *const *ends,
                      const struct opener *op, size_t *which);

static struct stmt *new_stmt(struct ps *P, uint8_t kind, uint32_t off)
{
    /*
     * Text and {{ }} statements, most of a template, hold one slice or
     * expression: they get only that much of the union (32 bytes, not
     * 136). Nothing copies a statement whole.
     */
    size_t size = kind == S_DATA     ? offsetof(struct stmt, u) + sizeof(struct xf_str)
                  : kind == S_OUTPUT ? offsetof(struct stmt, u) + sizeof(struct expr *)
                                     : sizeof(struct stmt);
    struct stmt *s = xf_arena_zalloc(P->a, size);
    s->kind = kind;
    s->off = off;
    return s;
}

static void stmt_finish(struct ps *P, struct stmt *s)
{
    s->len = prev_end(P) - s->off;
}

/* Parses a nested body that must end with one of `ends`; the end tag's
 * name has been consumed on return (the rest of that tag has not). */
static int nested_body(struct ps *P, struct body *out, const char *const *ends,
                       const struct opener *op, size_t *which)
{
    if (P->depth >= MAX_BLOCK_DEPTH)
        return perr(P, op->off, op->len, "blocks are nested too deeply (more than %d)",
                    MAX_BLOCK_DEPTH);
    P->depth++;
    int rc = parse_body(P, out, ends, op, which);
    P->depth--;
    return rc;
}

static int end_tag(struct ps *P)
{
    return expect_block_end(P);
}

static int parse_if(struct ps *P, struct stmt *s, uint32_t tag_off)
{
    struct {
        struct expr **v;
        size_t n, cap;
    } conds;
    struct {
        struct body *v;
        size_t n, cap;
    } bodies;
    struct expr *conds_buf[4];
    struct body bodies_buf[4];
    STACK_VEC(conds, conds_buf);
    STACK_VEC(bodies, bodies_buf);
    static const char *const ends[] = {"elif", "else", "endif", NULL};
    struct opener op = {"if", "'endif'", tag_off, 0};
    for (;;) {
        struct expr *c = parse_tuple(P, false, false, NULL, false);
        if (!c || end_tag(P) < 0)
            return -1;
        if (!op.len)
            op.len = prev_end(P) - tag_off;
        xf_avec_push(P->a, &conds, c);
        struct body b = {0};
        size_t which;
        if (nested_body(P, &b, ends, &op, &which) < 0)
            return -1;
        xf_avec_push(P->a, &bodies, b);
        if (which == 0)
            continue;
        if (which == 1) {
            if (end_tag(P) < 0)
                return -1;
            static const char *const ends2[] = {"endif", NULL};
            struct opener op2 = {"if", "'endif'", op.off, op.len};
            if (nested_body(P, &s->u.if_.els, ends2, &op2, &which) < 0)
                return -1;
        }
        if (end_tag(P) < 0)
            return -1;
        break;
    }
    s->u.if_.conds = VEC_FINAL(P, conds, conds_buf);
    s->u.if_.bodies = VEC_FINAL(P, bodies, bodies_buf);
    s->u.if_.n = (uint32_t)conds.n;
    return 0;
}

static int parse_for(struct ps *P, struct stmt *s, uint32_t tag_off)
{
    if (parse_assign_target(P, &s->u.for_.tgt, true, false, "in") < 0)
        return -1;
    if (!is_name(cur(P), "in"))
        return unexpected(P, "'in'");
    next(P);
    if (!(s->u.for_.iter = parse_tuple(P, false, false, "recursive", false)))
        return -1;
    if (is_name(cur(P), "if")) {
        next(P);
        if (!(s->u.for_.cond = parse_expression(P, true)))
            return -1;
    }
    if (is_name(cur(P), "recursive")) {
        s->u.for_.recursive = true;
        next(P);
    }
    if (end_tag(P) < 0)
        return -1;
    struct opener op = {"for", "'endfor'", tag_off, prev_end(P) - tag_off};
    static const char *const ends[] = {"else", "endfor", NULL};
    size_t which;
    P->loop_depth++;
    int rc = nested_body(P, &s->u.for_.body, ends, &op, &which);
    P->loop_depth--;
    if (rc < 0)
        return -1;
    if (which == 0) {
        if (end_tag(P) < 0)
            return -1;
        static const char *const ends2[] = {"endfor", NULL};
        struct opener op2 = {"for", "'endfor'", op.off, op.len};
        if (nested_body(P, &s->u.for_.els, ends2, &op2, &which) < 0)
            return -1;
    }
    return end_tag(P);
}

static int parse_set(struct ps *P, struct stmt *s, uint32_t tag_off)
{
    struct target tg = {0};
    if (parse_assign_target(P, &tg, true, true, NULL) < 0)
        return -1;
    if (is_op(cur(P), '=')) {
        next(P);
        s->kind = S_SET;
        s->u.set.tgt = tg;
        if (!(s->u.set.e = parse_tuple(P, false, true, NULL, false)))
            return -1;
        return end_tag(P);
    }
    if (tg.kind != T_NAME && tg.kind != T_ATTR)
        return unexpected(P, "'='");
    s->kind = S_SET_BLOCK;
    s->u.setblock.tgt = tg;
    if (is_op(cur(P), '|')) {
        struct expr *slot = new_expr(P, E_SLOT, cur(P)->off);
        if (!(s->u.setblock.filter = parse_filter(P, slot, false)))
            return -1;
    }
    if (cur(P)->kind != TK_BLOCK_END)
        return unexpected(P, "'=' or '%}'");
    next(P);
    struct opener op = {"set", "'endset'", tag_off, prev_end(P) - tag_off};
    static const char *const ends[] = {"endset", NULL};
    size_t which;
    if (nested_body(P, &s->u.setblock.body, ends, &op, &which) < 0)
        return -1;
    return end_tag(P);
}

static int parse_signature(struct ps *P, struct macro *m)
{
    struct {
        struct param *v;
        size_t n, cap;
    } ps = {0};
    if (expect_op(P, '(') < 0)
        return -1;
    while (!is_op(cur(P), ')')) {
        if (ps.n && expect_op(P, ',') < 0)
            return -1;
        if (is_op(cur(P), ')'))
            break;
        struct target tg = {0};
        if (parse_target_name(P, &tg) < 0)
            return -1;
        for (size_t i = 0; i < ps.n; i++) {
            if (xf_str_eq(ps.v[i].name, tg.name)) {
                return perr(P, tg.off, tg.len, "duplicate parameter '%.*s'", XF_STR_ARG(tg.name));
            }
        }
        struct param p = {tg.name, tg.hash, NULL};
        if (is_op(cur(P), '=')) {
            next(P);
            if (!(p.def = parse_expression(P, true)))
                return -1;
        } else if (ps.n && ps.v[ps.n - 1].def) {
            return perr(P, tg.off, tg.len,
                        "parameter '%.*s' without a default follows one with a default",
                        XF_STR_ARG(tg.name));
        }
        xf_avec_push(P->a, &ps, p);
    }
    next(P);
    m->params = ps.v;
    m->nparams = (uint32_t)ps.n;
    return 0;
}

static struct macro *new_macro(struct ps *P, const char *name, uint32_t off)
{
    struct macro *m = XF_ANEW(P->a, struct macro);
    m->name = name;
    m->src = P->src;
    m->off = off;
    return m;
}

static int macro_body(struct ps *P, struct macro *m, const char *tag, const char *endtag)
{
    if (end_tag(P) < 0)
        return -1;
    m->len = prev_end(P) - m->off;
    struct macro *saved = P->cur_macro;
    int saved_loop = P->loop_depth;
    P->cur_macro = m;
    P->loop_depth = 0;
    const char *ends[] = {endtag, NULL};
    struct opener op = {tag, xf_arena_printf(P->a, "'%s'", endtag), m->off, m->len};
    size_t which;
    int rc = nested_body(P, &m->body, ends, &op, &which);
    P->cur_macro = saved;
    P->loop_depth = saved_loop;
    if (rc < 0)
        return -1;
    return end_tag(P);
}

static void record_block(struct ps *P, enum xf_block_kind kind, struct xf_str name, uint32_t off,
                         uint32_t len, uint32_t body_off, uint32_t body_end, const void *macro,
                         const struct xf_tmpl *tmpl)
{
    struct xf_block b = {
        .kind = kind,
        .name = name,
        .loc = {P->src, off, len},
        .body = xf_str_n(P->src->text + body_off, body_end - body_off),
        .tmpl = tmpl,
        .macro = macro,
        .text = xf_str_n(P->src->text + off, prev_end(P) - off),
    };
    xf_avec_push(P->a, &P->blocks, b);
}

/* The offset where the last end tag ("{% endmacro %}") began. */
static uint32_t last_tag_begin(struct ps *P)
{
    size_t j = P->i;
    while (j > 0 && P->t[j].kind != TK_BLOCK_BEGIN)
        j--;
    return P->t[j].off;
}

static int parse_macro_like(struct ps *P, struct stmt *s, uint32_t tag_off, const char *tag)
{
    bool top = P->depth == 0;
    struct xf_str name = {0};
    uint32_t noff = cur(P)->off;
    if (expect_name(P, &name, "a name") < 0)
        return -1;
    (void)noff;
    enum xf_block_kind kind = XF_BLOCK_MACRO;
    const char *mname;
    struct macro *m;
    if (!strcmp(tag, "macro")) {
        mname = xf_arena_strdups(P->a, name);
        m = new_macro(P, mname, tag_off);
        if (parse_signature(P, m) < 0)
            return -1;
    } else if (!strcmp(tag, "test")) {
        kind = XF_BLOCK_TEST;
        mname = xf_arena_printf(P->a, "test_%.*s", XF_STR_ARG(name));
        m = new_macro(P, mname, tag_off);
        if (parse_signature(P, m) < 0)
            return -1;
    } else {
        /* {% materialization name, adapter='x', supported_languages=[...] %} */
        kind = XF_BLOCK_MATERIALIZATION;
        struct xf_str adapter = XF_STR("default");
        struct expr *langs = NULL;
        while (is_op(cur(P), ',')) {
            next(P);
            struct xf_str key = {0};
            uint32_t koff = cur(P)->off, klen = cur(P)->len;
            if (expect_name(P, &key, "'adapter' or 'supported_languages'") < 0)
                return -1;
            if (xf_str_eqc(key, "default"))
                continue;
            if (expect_op(P, '=') < 0)
                return -1;
            struct expr *v = parse_expression(P, true);
            if (!v)
                return -1;
            if (xf_str_eqc(key, "adapter")) {
                if (v->kind != E_CONST || v->u.k.t != XF_V_STR)
                    return perr(P, v->off, v->len, "the adapter name must be a string");
                adapter = v->u.k.u.s;
            } else if (xf_str_eqc(key, "supported_languages")) {
                langs = v;
            } else {
                return perr(P, koff, klen, "materialization '%.*s' has an unknown argument '%.*s'",
                            XF_STR_ARG(name), XF_STR_ARG(key));
            }
        }
        mname = xf_arena_printf(P->a, "materialization_%.*s_%.*s", XF_STR_ARG(name),
                                XF_STR_ARG(adapter));
        m = new_macro(P, mname, tag_off);
        if (!langs) {
            langs = new_expr(P, E_LIST, tag_off);
            struct expr **it = XF_ANEWN(P->a, struct expr *, 1);
            it[0] = new_expr(P, E_CONST, tag_off);
            it[0]->u.k = xf_v_strc("sql");
            langs->u.list.items = it;
            langs->u.list.n = 1;
        }
        m->params = XF_ANEWN(P->a, struct param, 1);
        m->params[0].name = XF_STR("supported_languages");
        m->params[0].hash = xf_str_hash(m->params[0].name);
        m->params[0].def = langs;
        m->nparams = 1;
    }
    char endtag[32];
    snprintf(endtag, sizeof endtag, "end%s", tag);
    const char *et = xf_arena_strdup(P->a, endtag);
    if (macro_body(P, m, tag, et) < 0)
        return -1;
    s->kind = S_MACRO;
    s->u.macro = m;
    if (top) {
        uint32_t body_off = m->off + m->len;
        record_block(P, kind, xf_str_c(mname), m->off, m->len, body_off, last_tag_begin(P), m,
                     NULL);
    }
    return 0;
}

static int parse_named_block(struct ps *P, struct stmt *s, uint32_t tag_off, const char *tag,
                             enum xf_block_kind kind)
{
    bool top = P->depth == 0;
    struct xf_str name = {0};
    if (expect_name(P, &name, "a name") < 0)
        return -1;
    if (end_tag(P) < 0)
        return -1;
    uint32_t tag_len = prev_end(P) - tag_off;
    char endtag[32];
    snprintf(endtag, sizeof endtag, "end%s", tag);
    const char *ends[] = {endtag, NULL};
    struct opener op = {tag, xf_arena_printf(P->a, "'%s'", endtag), tag_off, tag_len};
    struct body b = {0};
    size_t which;
    if (nested_body(P, &b, ends, &op, &which) < 0)
        return -1;
    uint32_t body_end = last_tag_begin(P);
    if (end_tag(P) < 0)
        return -1;
    s->kind = S_NOP;
    if (top) {
        struct xf_tmpl *t = NULL;
        if (kind == XF_BLOCK_SNAPSHOT) {
            t = XF_ANEW(P->a, struct xf_tmpl);
            t->src = P->src;
            t->body = b;
            t->plain = !has_tag(P->src->text + tag_off + tag_len, body_end - tag_off - tag_len);
        }
        record_block(P, kind, name, tag_off, tag_len, tag_off + tag_len, body_end, NULL, t);
    }
    return 0;
}

static int parse_call_block(struct ps *P, struct stmt *s, uint32_t tag_off)
{
    struct macro *m = new_macro(P, "caller", tag_off);
    if (is_op(cur(P), '(')) {
        if (parse_signature(P, m) < 0)
            return -1;
    }
    struct expr *c = parse_expression(P, true);
    if (!c)
        return -1;
    if (c->kind != E_CALL)
        return perr(P, c->off, c->len, "expected a call after 'call'");
    s->u.call.call = c;
    s->u.call.caller = m;
    return macro_body(P, m, "call", "endcall");
}

static int parse_filter_block(struct ps *P, struct stmt *s, uint32_t tag_off)
{
    struct expr *slot = new_expr(P, E_SLOT, cur(P)->off);
    if (!(s->u.filter.filter = parse_filter(P, slot, true)))
        return -1;
    if (end_tag(P) < 0)
        return -1;
    struct opener op = {"filter", "'endfilter'", tag_off, prev_end(P) - tag_off};
    static const char *const ends[] = {"endfilter", NULL};
    size_t which;
    if (nested_body(P, &s->u.filter.body, ends, &op, &which) < 0)
        return -1;
    return end_tag(P);
}

static int parse_with(struct ps *P, struct stmt *s, uint32_t tag_off, const char *tag)
{
    struct {
        struct target *v;
        size_t n, cap;
    } tg = {0};
    struct {
        struct expr **v;
        size_t n, cap;
    } vals = {0};
    if (!strcmp(tag, "with")) {
        while (cur(P)->kind != TK_BLOCK_END) {
            if (tg.n && expect_op(P, ',') < 0)
                return -1;
            struct target t = {0};
            if (parse_assign_target(P, &t, false, false, NULL) < 0 || expect_op(P, '=') < 0)
                return -1;
            struct expr *v = parse_expression(P, true);
            if (!v)
                return -1;
            xf_avec_push(P->a, &tg, t);
            xf_avec_push(P->a, &vals, v);
        }
    } else if (!parse_expression(P, true)) { /* autoescape <expr>: no effect */
        return -1;
    }
    if (end_tag(P) < 0)
        return -1;
    char endtag[32];
    snprintf(endtag, sizeof endtag, "end%s", tag);
    const char *ends[] = {endtag, NULL};
    struct opener op = {tag, xf_arena_printf(P->a, "'%s'", endtag), tag_off, prev_end(P) - tag_off};
    size_t which;
    if (nested_body(P, &s->u.with.body, ends, &op, &which) < 0)
        return -1;
    s->u.with.tgts = tg.v;
    s->u.with.vals = vals.v;
    s->u.with.n = (uint32_t)tg.n;
    return end_tag(P);
}

static const char *const known_tags[] = {
    "if",       "for",  "set",  "macro",    "call", "filter",          "do",  "break",
    "continue", "with", "test", "snapshot", "docs", "materialization", "raw", "autoescape",
};

/* The statement at a {% tag; P->i is at the tag name. */
static struct stmt *parse_statement(struct ps *P, uint32_t tag_off)
{
    struct tok *nt = cur(P);
    if (nt->kind != TK_NAME)
        return fail_null(unexpected(P, "a tag name"));
    struct xf_str name = nt->s;
    next(P);
    struct stmt *s = new_stmt(P, S_NOP, tag_off);
    int rc;
    if (xf_str_eqc(name, "if")) {
        s->kind = S_IF;
        rc = parse_if(P, s, tag_off);
    } else if (xf_str_eqc(name, "for")) {
        s->kind = S_FOR;
        rc = parse_for(P, s, tag_off);
    } else if (xf_str_eqc(name, "set")) {
        rc = parse_set(P, s, tag_off);
    } else if (xf_str_eqc(name, "do")) {
        s->kind = S_DO;
        rc = (s->u.e = parse_tuple(P, false, true, NULL, false)) ? end_tag(P) : -1;
    } else if (xf_str_eqc(name, "macro") || xf_str_eqc(name, "test") ||
               xf_str_eqc(name, "materialization")) {
        char tag[24];
        snprintf(tag, sizeof tag, "%.*s", XF_STR_ARG(name));
        rc = parse_macro_like(P, s, tag_off, xf_arena_strdup(P->a, tag));
    } else if (xf_str_eqc(name, "snapshot")) {
        rc = parse_named_block(P, s, tag_off, "snapshot", XF_BLOCK_SNAPSHOT);
    } else if (xf_str_eqc(name, "docs")) {
        rc = parse_named_block(P, s, tag_off, "docs", XF_BLOCK_DOCS);
    } else if (xf_str_eqc(name, "call")) {
        s->kind = S_CALL;
        rc = parse_call_block(P, s, tag_off);
    } else if (xf_str_eqc(name, "filter")) {
        s->kind = S_FILTER;
        rc = parse_filter_block(P, s, tag_off);
    } else if (xf_str_eqc(name, "with") || xf_str_eqc(name, "autoescape")) {
        s->kind = S_WITH;
        rc = parse_with(P, s, tag_off, xf_str_eqc(name, "with") ? "with" : "autoescape");
    } else if (xf_str_eqc(name, "break") || xf_str_eqc(name, "continue")) {
        s->kind = xf_str_eqc(name, "break") ? S_BREAK : S_CONTINUE;
        rc = end_tag(P);
        if (rc == 0 && !P->loop_depth) {
            return fail_null(perr(P, tag_off, prev_end(P) - tag_off,
                                  "'%.*s' outside of a 'for' loop", XF_STR_ARG(name)));
        }
    } else {
        size_t j = P->i;
        while (P->t[j].kind != TK_BLOCK_END && P->t[j].kind != TK_EOF)
            j++;
        uint32_t len = P->t[j].off + P->t[j].len - tag_off;
        const char *sug =
            xf_tpl_suggest_close(name, known_tags, sizeof known_tags / sizeof *known_tags);
        if (sug) {
            return fail_null(perr(P, tag_off, len, "unknown tag '%.*s' (did you mean '%s'?)",
                                  XF_STR_ARG(name), sug));
        }
        return fail_null(perr(P, tag_off, len, "unknown tag '%.*s'", XF_STR_ARG(name)));
    }
    if (rc < 0)
        return NULL;
    if (s->kind != S_MACRO && s->kind != S_NOP)
        stmt_finish(P, s);
    else if (s->kind == S_MACRO)
        s->len = s->u.macro->len;
    return s;
}

/* Which open block an end tag would close, for messages. */
static const char *closes(struct xf_str n)
{
    static const char *const pairs[][2] = {
        {"endif", "if"},
        {"elif", "if"},
        {"else", "if' or 'for"},
        {"endfor", "for"},
        {"endset", "set"},
        {"endmacro", "macro"},
        {"endcall", "call"},
        {"endfilter", "filter"},
        {"endwith", "with"},
        {"endtest", "test"},
        {"endsnapshot", "snapshot"},
        {"enddocs", "docs"},
        {"endmaterialization", "materialization"},
        {"endraw", "raw"},
        {"endautoescape", "autoescape"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        if (xf_str_eqc(n, pairs[i][0]))
            return pairs[i][1];
    }
    return NULL;
}

static int parse_body(struct ps *P, struct body *out, const char *const *ends,
                      const struct opener *op, size_t *which)
{
    struct {
        struct stmt **v;
        size_t n, cap;
    } st;
    struct stmt *st_buf[32];
    STACK_VEC(st, st_buf);
    for (;;) {
        struct tok *t = cur(P);
        if (t->kind == TK_EOF) {
            if (op) {
                return perr(P, op->off, op->len, "unclosed '%s' block: expected %s", op->tag,
                            op->ends);
            }
            break;
        }
        if (t->kind == TK_DATA) {
            struct stmt *s = new_stmt(P, S_DATA, t->off);
            s->len = t->len;
            s->u.text = t->s;
            xf_avec_push(P->a, &st, s);
            next(P);
            continue;
        }
        if (t->kind == TK_VAR_BEGIN) {
            uint32_t off = t->off;
            next(P);
            struct expr *e = parse_tuple(P, false, true, NULL, false);
            if (!e)
                return -1;
            if (cur(P)->kind != TK_VAR_END)
                return unexpected(P, "'}}'");
            next(P);
            struct stmt *s = new_stmt(P, S_OUTPUT, off);
            s->u.e = e;
            stmt_finish(P, s);
            xf_avec_push(P->a, &st, s);
            continue;
        }
        if (t->kind == TK_BLOCK_BEGIN) {
            uint32_t tag_off = t->off;
            struct tok *nt = peek(P, 1);
            if (nt->kind == TK_NAME && ends) {
                bool matched = false;
                for (size_t k = 0; ends[k]; k++) {
                    if (xf_str_eqc(nt->s, ends[k])) {
                        next(P);
                        next(P);
                        *which = k;
                        matched = true;
                        break;
                    }
                }
                if (matched)
                    break;
            }
            if (nt->kind == TK_NAME && closes(nt->s)) {
                /* the whole tag, for the caret */
                size_t j = P->i;
                while (P->t[j].kind != TK_BLOCK_END && P->t[j].kind != TK_EOF)
                    j++;
                uint32_t len = P->t[j].off + P->t[j].len - tag_off;
                if (op) {
                    return perr(P, tag_off, len, "unexpected '%.*s': expected %s",
                                XF_STR_ARG(nt->s), op->ends);
                }
                return perr(P, tag_off, len, "unexpected '%.*s'", XF_STR_ARG(nt->s));
            }
            next(P);
            struct stmt *s = parse_statement(P, tag_off);
            if (!s)
                return -1;
            xf_avec_push(P->a, &st, s);
            continue;
        }
        return unexpected(P, "template text or a tag");
    }
    out->v = VEC_FINAL(P, st, st_buf);
    out->n = (uint32_t)st.n;
    return 0;
}

int xf_tmpl_parse(const struct xf_tmpl **out, struct xf_arena *a, const struct xf_source *src,
                  size_t off, size_t len, struct xf_diags *diags)
{
    *out = NULL;
    struct toks toks = {0};
    if (xf_tpl_lex_template(&toks, a, src, off, len, diags) < 0) {
        xf_vec_release(&toks);
        return -1;
    }
    struct ps P = {.a = a, .src = src, .t = toks.v, .diags = diags};
    struct xf_tmpl *t = XF_ANEW(a, struct xf_tmpl);
    t->src = src;
    int e = parse_body(&P, &t->body, NULL, NULL, NULL);
    xf_vec_release(&toks); /* the tree keeps no pointer into the tokens */
    if (e < 0)
        return -1;
    t->blocks = P.blocks.v;
    t->nblocks = P.blocks.n;
    t->plain = !has_tag(src->text + off, len);
    *out = t;
    return 0;
}

size_t xf_tmpl_blocks(const struct xf_tmpl *t, const struct xf_block **out)
{
    *out = t->blocks;
    return t->nblocks;
}

bool xf_tmpl_is_plain(const struct xf_tmpl *t)
{
    return t->plain;
}
