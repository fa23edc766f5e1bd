// SPDX-License-Identifier: MIT
/*
 * The tree-walking renderer: evaluates expressions and runs statements of
 * a parsed template against a render state. Scopes follow Jinja: a for
 * loop body gets a fresh scope each iteration, a macro runs in its own
 * scope whose parent is the scope it was defined in (or the globals), and
 * output goes to one buffer, with macro bodies rendered at its end and cut
 * back off. The AST is never written to, so renders can share it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "templating/internal.h"

enum { R_OK = 0, R_BREAK = 1, R_CONTINUE = 2 };

static const struct xf_obj_ops loop_ops;
struct stmt;
static int check_limits(struct xf_render *r, const struct stmt *st);
static int loop_cycle(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                      const struct xf_args *args);

/* ---- Errors ---- */

static void add_frames(struct xf_render *r, struct xf_diag *d)
{
    /* deep recursion: the innermost and outermost calls, not hundreds of lines */
    size_t n = 0, i = 0;
    for (struct frame *f = r->frames; f; f = f->up)
        n++;
    for (struct frame *f = r->frames; f; f = f->up, i++) {
        if (n > 20 && i == 10)
            xf_diag_frame(d, XF_NOLOC, "... %zu more calls ...", n - 20);
        if (n > 20 && i >= 10 && i < n - 10)
            continue;
        xf_diag_frame(d, f->call, "in macro '%s'", f->what);
    }
    if (r->env && r->env->what)
        xf_diag_frame(d, XF_NOLOC, "in %s", r->env->what);
}

static int vrerr_at(struct xf_render *r, enum xf_severity sev, struct xf_loc loc, const char *fmt,
                    va_list ap)
{
    struct xf_diag *d = xf_diag_vadd(r->env->diags, sev, loc, fmt, ap);
    add_frames(r, d);
    return -1;
}

int xf_tpl_rerr_at(struct xf_render *r, struct xf_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vrerr_at(r, XF_SEV_ERROR, loc, fmt, ap);
    va_end(ap);
    return -1;
}

int xf_tpl_rerr(struct xf_render *r, uint32_t off, uint32_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vrerr_at(r, XF_SEV_ERROR, (struct xf_loc){r->src, off, len}, fmt, ap);
    va_end(ap);
    return -1;
}

static struct xf_loc eloc(struct xf_render *r, const struct expr *e)
{
    return (struct xf_loc){r->src, e->off, e->len};
}

/* How to name an expression in a message: its source text, clipped. */
static const char *ename(struct xf_render *r, const struct expr *e)
{
    if (!r->src)
        return "value";
    size_t n = e->len;
    const char *p = r->src->text + e->off;
    if (n > 40)
        return xf_arena_printf(r->a, "%.37s...", p);
    return xf_arena_printf(r->a, "%.*s", (int)n, p);
}

void xf_tpl_render_defer(struct xf_render *r, void (*fn)(void *), void *p)
{
    xf_tpl_render_escape(r, 0); /* the render's cleanup list keeps the node */
    struct cleanup *c = XF_ANEW(r->a, struct cleanup);
    c->fn = fn;
    c->p = p;
    c->next = *r->cleanup;
    *r->cleanup = c;
}

int xf_tpl_render_log(struct xf_render *r, const char *msg, bool info)
{
    if (r->env->log)
        r->env->log(r->env->user, msg, info);
    return 0;
}

/* ---- Limits ---- */

#define DEFAULT_MAX_BYTES ((size_t)256 << 20)

/*
 * XFORM_MAX_RENDER_BYTES: a number of bytes with an optional K, M or G
 * (powers of 1024). 0 when unset; SIZE_MAX when it is not a size.
 */
static size_t env_max_bytes(void)
{
    const char *e = getenv("XFORM_MAX_RENDER_BYTES");
    if (!e || !*e)
        return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(e, &end, 10);
    if (end == e || errno || *e == '-')
        return SIZE_MAX;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10;
    else if (*end == 'M' || *end == 'm')
        shift = 20;
    else if (*end == 'G' || *end == 'g')
        shift = 30;
    if (shift)
        end++;
    if (*end || v == 0 || v > ((unsigned long long)SIZE_MAX >> 1 >> shift))
        return SIZE_MAX;
    return (size_t)(v << shift);
}

/* The limit of this render, or -1 after an error for a bad XFORM_MAX_RENDER_BYTES. */
static int render_limits(struct xf_render *r)
{
    size_t m = r->env->max_bytes;
    if (!m)
        m = env_max_bytes();
    if (m == SIZE_MAX) {
        struct xf_diag *d = xf_diag_add(r->env->diags, XF_SEV_ERROR, XF_NOLOC,
                                        "XFORM_MAX_RENDER_BYTES='%s' is not a size in bytes",
                                        getenv("XFORM_MAX_RENDER_BYTES"));
        xf_diag_hint(d, "write a positive number of bytes, optionally with K, M or G (512M)");
        return -1;
    }
    r->max_bytes = m ? m : DEFAULT_MAX_BYTES;
    return 0;
}

static size_t arena_held(const struct xf_render *r)
{
    return r->a->total > r->arena_start ? r->a->total - r->arena_start : 0;
}

static int limit_error(struct xf_render *r, struct xf_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int limit_error(struct xf_render *r, struct xf_loc loc, const char *fmt, ...)
{
    if (r->over)
        return -1; /* reported already */
    r->over = true;
    va_list ap;
    va_start(ap, fmt);
    struct xf_diag *d = xf_diag_vadd(r->env->diags, XF_SEV_ERROR, loc, fmt, ap);
    va_end(ap);
    xf_diag_hint(d, "XFORM_MAX_RENDER_BYTES (default 256M) caps what one render may build; "
                    "raise it if this is not a runaway repetition or loop");
    add_frames(r, d);
    return -1;
}

int xf_tpl_render_reserve(struct xf_render *r, uint64_t n)
{
    size_t held = arena_held(r);
    if (n <= r->max_bytes && held + n <= r->max_bytes && !r->over)
        return 0;
    if (n > r->max_bytes) {
        return limit_error(r, r->call_loc,
                           "a value of at least %" PRIu64
                           " bytes is over the limit of %zu bytes of a render",
                           n, r->max_bytes);
    }
    return limit_error(r, r->call_loc,
                       "a value of %" PRIu64 " bytes would take the render past its limit of %zu "
                       "bytes (it holds %zu)",
                       n, r->max_bytes, held);
}

/* The printed size of v, or more than cap (stops counting there). */
static uint64_t str_size(const struct xf_value *v, uint64_t cap, bool inner)
{
    switch (v->t) {
    case XF_V_STR:
        return v->u.s.len + (inner ? 2 : 0);
    case XF_V_LIST: {
        uint64_t n = 2;
        for (size_t i = 0; i < v->u.l->n && n <= cap; i++)
            n += 2 + str_size(&v->u.l->items[i], cap, true);
        return n;
    }
    case XF_V_DICT: {
        uint64_t n = 2;
        for (size_t i = 0; i < v->u.d->n && n <= cap; i++)
            n += 6 + v->u.d->ents[i].key.len + str_size(&v->u.d->ents[i].val, cap, true);
        return n;
    }
    default:
        return 32;
    }
}

uint64_t xf_tpl_render_str_size(struct xf_render *r, const struct xf_value *v)
{
    return str_size(v, r->max_bytes, false);
}

int xf_tpl_render_reserve_str(struct xf_render *r, const struct xf_value *v)
{
    if (v->t != XF_V_LIST && v->t != XF_V_DICT)
        return r->over ? -1 : 0; /* strings exist already; scalars are small */
    return xf_tpl_render_reserve(r, str_size(v, r->max_bytes, false));
}

int xf_tpl_render_reserve_replace(struct xf_render *r, struct xf_str s, struct xf_str old,
                                  struct xf_str new, int64_t count)
{
    if (new.len <= old.len && old.len)
        return xf_tpl_render_reserve(r, s.len);
    uint64_t k = 0;
    if (!old.len) {
        k = s.len + 1;
    } else {
        for (const char *p = s.p, *e = s.p + s.len; p < e;) {
            const char *q = memmem(p, (size_t)(e - p), old.p, old.len);
            if (!q)
                break;
            k++;
            p = q + old.len;
        }
    }
    if (count >= 0 && (uint64_t)count < k)
        k = (uint64_t)count;
    return xf_tpl_render_reserve(r, s.len + k * new.len);
}

/* ---- Scopes ---- */

static struct scope *new_scope(struct xf_render *r, struct scope *parent)
{
    struct scope *s = XF_ANEW(r->a, struct scope);
    s->parent = parent;
    s->epoch = r->epoch;
    return s;
}

static void scope_set(struct xf_render *r, struct scope *s, struct xf_str name, uint64_t hash,
                      struct xf_value v)
{
    for (uint32_t i = 0; i < s->n; i++) {
        if (s->v[i].hash == hash && xf_str_eq(s->v[i].name, name)) {
            s->v[i].val = v;
            return;
        }
    }
    if (s->n == s->cap) {
        xf_tpl_render_escape(r, s->epoch); /* the new array is younger than the scope */
        uint32_t nc = s->cap ? s->cap * 2 : 8;
        s->v = xf_arena_grow(r->a, s->v, s->cap * sizeof *s->v, nc * sizeof *s->v);
        s->cap = nc;
    }
    s->v[s->n++] = (struct var){hash, name, v};
}

static const struct xf_value *lookup(struct xf_render *r, struct xf_str name, uint64_t hash)
{
    for (struct scope *s = r->scope; s; s = s->parent) {
        for (uint32_t i = s->n; i-- > 0;) {
            if (s->v[i].hash == hash && xf_str_eq(s->v[i].name, name))
                return &s->v[i].val;
        }
    }
    const struct xf_value *v;
    if (r->pkg && (v = xf_dict_get(r->pkg, name)))
        return v;
    if (r->env->locals && (v = xf_dict_get(r->env->locals, name)))
        return v;
    if (r->env->globals && (v = xf_dict_get(r->env->globals, name)))
        return v;
    return NULL;
}

static const char *suggest_name(struct xf_render *r, struct xf_str name)
{
    struct {
        const char **v;
        size_t n, cap;
    } c = {0};
    for (struct scope *s = r->scope; s; s = s->parent) {
        for (uint32_t i = 0; i < s->n; i++)
            xf_avec_push(r->a, &c, xf_arena_strdups(r->a, s->v[i].name));
    }
    const struct xf_dict *ds[3] = {r->pkg, r->env->locals, r->env->globals};
    for (int k = 0; k < 3; k++) {
        if (!ds[k])
            continue;
        for (size_t i = 0; i < ds[k]->n; i++)
            xf_avec_push(r->a, &c, xf_arena_strdups(r->a, ds[k]->ents[i].key));
    }
    return xf_tpl_suggest_close(name, (const char *const *)c.v, c.n);
}

/* The error for using an undefined value where one is needed. */
static int undefined_error_v(struct xf_render *r, const struct expr *e, const struct xf_value *v);

/* `x.y` with x an undefined name: the environment may say what x usually is. */
static int undefined_namespace(struct xf_render *r, const struct expr *e, const struct xf_value *v)
{
    if (e->kind != E_NAME || !r->env->namespace_hint || (v && v->t == XF_V_UNDEF && v->u.s.p) ||
        suggest_name(r, e->u.name.name))
        return undefined_error_v(r, e, v);
    const char *name = xf_arena_strdups(r->a, e->u.name.name);
    struct xf_diag *d =
        xf_diag_add(r->env->diags, XF_SEV_ERROR, eloc(r, e), "'%s' is undefined", name);
    add_frames(r, d);
    xf_diag_hint(d, r->env->namespace_hint, name);
    return -1;
}

static int undefined_error_v(struct xf_render *r, const struct expr *e, const struct xf_value *v)
{
    if (v && v->t == XF_V_UNDEF && v->u.s.p)
        return xf_tpl_rerr(r, e->off, e->len, "%.*s", XF_STR_ARG(v->u.s));
    if (e->kind == E_NAME) {
        const char *s = suggest_name(r, e->u.name.name);
        if (s) {
            return xf_tpl_rerr(r, e->off, e->len, "'%.*s' is undefined (did you mean '%s'?)",
                               XF_STR_ARG(e->u.name.name), s);
        }
    }
    return xf_tpl_rerr(r, e->off, e->len, "'%s' is undefined", ename(r, e));
}

/* ---- Values ---- */

struct xf_dict_ent *xf_tpl_dict_ent_of(struct xf_value *val)
{
    return (struct xf_dict_ent *)(void *)((char *)val - offsetof(struct xf_dict_ent, val));
}

void xf_tpl_dict_put_ent(struct xf_arena *a, struct xf_dict *d, const struct xf_dict_ent *e)
{
    xf_dict_set(a, d, e->key, e->val);
    if (e->raw_key)
        xf_tpl_dict_ent_of(xf_dict_get(d, e->key))->raw_key = true;
}

struct xf_value xf_tpl_dict_key(struct xf_render *r, const struct xf_dict_ent *e)
{
    if (!e->raw_key)
        return xf_v_str(e->key);
    /* back to the number, bool or None it was */
    struct xf_str k = e->key;
    if (xf_str_eqc(k, "True") || xf_str_eqc(k, "False"))
        return xf_v_bool(k.p[0] == 'T');
    if (xf_str_eqc(k, "None"))
        return xf_v_none();
    char buf[64];
    if (k.len && k.len < sizeof buf) {
        memcpy(buf, k.p, k.len);
        buf[k.len] = 0;
        char *end;
        long long i = strtoll(buf, &end, 10);
        if (!*end)
            return xf_v_int(i);
        double f = strtod(buf, &end);
        if (!*end)
            return xf_v_float(f);
    }
    (void)r;
    return xf_v_str(k);
}

struct xf_value xf_tpl_new_tuple(struct xf_arena *a, size_t n)
{
    struct xf_value v = xf_v_list(a, n);
    v.u.l->tuple = true;
    return v;
}

struct xf_value xf_tpl_str_value(struct xf_render *r, const struct xf_value *v)
{
    if (v->t == XF_V_STR)
        return *v;
    if (v->t == XF_V_UNDEF)
        return xf_v_str(XF_STR(""));
    if (xf_tpl_render_reserve_str(r, v) < 0)
        return xf_v_str(XF_STR("")); /* the render stops at the end of the statement */
    size_t mark = r->out->len;
    xf_value_str(r->out, v);
    struct xf_value s = xf_v_str(xf_str_n(
        xf_arena_strndup(r->a, r->out->ptr + mark, r->out->len - mark), r->out->len - mark));
    xf_buf_setlen(r->out, mark);
    return s;
}

const char *xf_tpl_suggest_close(struct xf_str word, const char *const *cands, size_t n)
{
    if (word.len < 3)
        return NULL;
    const char *s = xf_str_suggest(word, cands, n);
    if (!s)
        return NULL;
    size_t limit = word.len <= 3 ? 1 : word.len <= 8 ? 2 : 3;
    return xf_str_distance(word, xf_str_c(s), limit + 1) <= limit ? s : NULL;
}

const char *xf_tpl_py_tname(const struct xf_value *v)
{
    switch (v->t) {
    case XF_V_UNDEF:
        return "Undefined";
    case XF_V_NONE:
        return "NoneType";
    case XF_V_BOOL:
        return "bool";
    case XF_V_INT:
        return "int";
    case XF_V_FLOAT:
        return "float";
    case XF_V_STR:
        return "str";
    case XF_V_LIST:
        return v->u.l->tuple ? "tuple" : "list";
    case XF_V_DICT:
        return "dict";
    case XF_V_FUNC:
        return v->u.fn->fn ? "function" : "Macro";
    case XF_V_OBJ:
        return v->u.o->ops->type_name;
    }
    return "object";
}

struct xf_value xf_tpl_undef_hint(struct xf_render *r, const struct xf_value *obj,
                                  struct xf_str attr, bool item)
{
    struct xf_value u = xf_v_undef();
    const char *msg;
    if (item && obj->t == XF_V_LIST)
        msg = xf_arena_printf(r->a, "'%s' object has no element %.*s", xf_tpl_py_tname(obj),
                              XF_STR_ARG(attr));
    else
        msg = xf_arena_printf(r->a, "'%s' object has no attribute '%.*s'", xf_tpl_py_tname(obj),
                              XF_STR_ARG(attr));
    u.u.s = xf_str_c(msg);
    return u;
}

bool xf_tpl_is_callable(const struct xf_value *v)
{
    return v->t == XF_V_FUNC || (v->t == XF_V_OBJ && v->u.o->ops->call);
}

size_t xf_tpl_utf8_len(struct xf_str s)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++)
        n += ((unsigned char)s.p[i] & 0xC0) != 0x80;
    return n;
}

bool xf_tpl_utf8_is_ascii(struct xf_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        if ((unsigned char)s.p[i] >= 0x80)
            return false;
    }
    return true;
}

/* Characters of a string as a list of one-character strings. */
static struct xf_value chars_of(struct xf_render *r, struct xf_str s)
{
    struct xf_value l = xf_v_list(r->a, s.len);
    for (size_t i = 0; i < s.len;) {
        size_t j = i + 1;
        while (j < s.len && ((unsigned char)s.p[j] & 0xC0) == 0x80)
            j++;
        xf_list_push(r->a, l.u.l, xf_v_str(xf_str_n(s.p + i, j - i)));
        i = j;
    }
    return l;
}

int xf_tpl_to_list(struct xf_render *r, struct xf_value *out, const struct xf_value *v)
{
    switch (v->t) {
    case XF_V_LIST:
        *out = *v;
        return 0;
    case XF_V_UNDEF:
        *out = xf_v_list(r->a, 0);
        return 0;
    case XF_V_DICT: {
        struct xf_value l = xf_v_list(r->a, v->u.d->n);
        for (size_t i = 0; i < v->u.d->n; i++)
            xf_list_push(r->a, l.u.l, xf_tpl_dict_key(r, &v->u.d->ents[i]));
        *out = l;
        return 0;
    }
    case XF_V_STR:
        *out = chars_of(r, v->u.s);
        return 0;
    case XF_V_OBJ:
        xf_tpl_render_escape(r, 0);
        if (v->u.o->ops->iter) {
            if (v->u.o->ops->iter(out, r, v->u.o) < 0)
                return -1;
            if (out->t != XF_V_LIST)
                return xf_tpl_rerr_at(r, r->call_loc, "'%s' object did not iterate to a list",
                                      xf_tpl_py_tname(v));
            return 0;
        }
        return xf_tpl_rerr_at(r, r->call_loc, "'%s' object is not iterable", xf_tpl_py_tname(v));
    default:
        return xf_tpl_rerr_at(r, r->call_loc, "'%s' object is not iterable", xf_tpl_py_tname(v));
    }
}

/* ---- Attributes and items ---- */

int xf_tpl_get_attr(struct xf_render *r, struct xf_value *out, const struct xf_value *obj,
                    struct xf_str name)
{
    switch (obj->t) {
    case XF_V_DICT: {
        if (xf_tpl_has_method(obj, name)) {
            *out = xf_tpl_bound_method(r, obj, name);
            return 0;
        }
        const struct xf_value *v = xf_dict_get(obj->u.d, name);
        *out = v ? *v : xf_tpl_undef_hint(r, obj, name, false);
        return 0;
    }
    case XF_V_STR:
    case XF_V_LIST:
        if (xf_tpl_has_method(obj, name)) {
            *out = xf_tpl_bound_method(r, obj, name);
            return 0;
        }
        if (obj->t == XF_V_LIST && obj->u.l->tuple && obj->u.l->n == 2) {
            /* groupby results: (grouper, list) */
            if (xf_str_eqc(name, "grouper")) {
                *out = obj->u.l->items[0];
                return 0;
            }
            if (xf_str_eqc(name, "list")) {
                *out = obj->u.l->items[1];
                return 0;
            }
        }
        *out = xf_tpl_undef_hint(r, obj, name, false);
        return 0;
    case XF_V_OBJ: {
        if (!obj->u.o->ops->getattr) {
            *out = xf_tpl_undef_hint(r, obj, name, false);
            return 0;
        }
        if (obj->u.o->ops != &xf_tpl_namespace_ops && obj->u.o->ops != &loop_ops)
            xf_tpl_render_escape(r, 0); /* the engine's objects may cache what they make */
        int rc = obj->u.o->ops->getattr(out, r, obj->u.o, name);
        if (rc < 0)
            return -1;
        if (rc > 0)
            *out = xf_tpl_undef_hint(r, obj, name, false);
        return 0;
    }
    case XF_V_UNDEF:
        *out = *obj;
        return 0;
    default:
        *out = xf_tpl_undef_hint(r, obj, name, false);
        return 0;
    }
}

static bool as_index(const struct xf_value *k, int64_t *i)
{
    if (k->t == XF_V_INT) {
        *i = k->u.i;
        return true;
    }
    if (k->t == XF_V_BOOL) {
        *i = k->u.b;
        return true;
    }
    return false;
}

/* Byte offset of code point `idx` (ASCII fast path). */
static size_t cp_offset(struct xf_str s, size_t idx)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (((unsigned char)s.p[i] & 0xC0) != 0x80) {
            if (n == idx)
                return i;
            n++;
        }
    }
    return s.len;
}

int xf_tpl_get_item(struct xf_render *r, struct xf_value *out, const struct xf_value *obj,
                    const struct xf_value *key)
{
    int64_t i;
    switch (obj->t) {
    case XF_V_LIST:
        if (as_index(key, &i)) {
            int64_t n = (int64_t)obj->u.l->n;
            if (i < 0)
                i += n;
            if (i >= 0 && i < n) {
                *out = obj->u.l->items[i];
                return 0;
            }
            struct xf_value ks = xf_tpl_str_value(r, key);
            *out = xf_tpl_undef_hint(r, obj, ks.u.s, true);
            return 0;
        }
        if (key->t == XF_V_STR)
            return xf_tpl_get_attr(r, out, obj, key->u.s);
        break;
    case XF_V_DICT: {
        if (key->t == XF_V_STR) {
            const struct xf_value *v = xf_dict_get(obj->u.d, key->u.s);
            if (v) {
                *out = *v;
                return 0;
            }
            return xf_tpl_get_attr(r, out, obj, key->u.s);
        }
        struct xf_value ks = xf_tpl_str_value(r, key);
        const struct xf_value *v = xf_dict_get(obj->u.d, ks.u.s);
        *out = v ? *v : xf_tpl_undef_hint(r, obj, ks.u.s, false);
        return 0;
    }
    case XF_V_STR:
        if (as_index(key, &i)) {
            struct xf_str s = obj->u.s;
            bool ascii = xf_tpl_utf8_is_ascii(s);
            int64_t n = ascii ? (int64_t)s.len : (int64_t)xf_tpl_utf8_len(s);
            if (i < 0)
                i += n;
            if (i < 0 || i >= n) {
                *out = xf_v_undef();
                return 0;
            }
            if (ascii) {
                *out = xf_v_str(xf_str_n(s.p + i, 1));
            } else {
                size_t b = cp_offset(s, (size_t)i), e = cp_offset(s, (size_t)i + 1);
                *out = xf_v_str(xf_str_n(s.p + b, e - b));
            }
            return 0;
        }
        break;
    case XF_V_OBJ:
        xf_tpl_render_escape(r, 0);
        if (obj->u.o->ops->getitem) {
            int rc = obj->u.o->ops->getitem(out, r, obj->u.o, key);
            if (rc <= 0)
                return rc < 0 ? -1 : 0;
        }
        if (key->t == XF_V_STR)
            return xf_tpl_get_attr(r, out, obj, key->u.s);
        break;
    default:
        break;
    }
    struct xf_value ks = xf_tpl_str_value(r, key);
    *out = xf_tpl_undef_hint(r, obj, ks.u.s, true);
    return 0;
}

static int slice_bound(struct xf_render *r, const struct xf_value *v, int64_t *out, bool *given)
{
    *given = false;
    if (v->t == XF_V_NONE || v->t == XF_V_UNDEF)
        return 0;
    if (!as_index(v, out))
        return xf_tpl_rerr_at(r, r->call_loc, "slice indices must be integers, not %s",
                              xf_tpl_py_tname(v));
    *given = true;
    return 0;
}

static int do_slice(struct xf_render *r, struct xf_value *out, const struct xf_value *obj,
                    const struct xf_value *lo, const struct xf_value *hi,
                    const struct xf_value *stepv)
{
    int64_t a = 0, b = 0, step = 1;
    bool ha, hb, hs;
    if (slice_bound(r, lo, &a, &ha) < 0 || slice_bound(r, hi, &b, &hb) < 0 ||
        slice_bound(r, stepv, &step, &hs) < 0)
        return -1;
    if (step == 0)
        return xf_tpl_rerr_at(r, r->call_loc, "slice step cannot be zero");
    struct xf_value items;
    bool is_str = obj->t == XF_V_STR;
    if (obj->t == XF_V_LIST) {
        items = *obj;
    } else if (is_str) {
        if (xf_tpl_utf8_is_ascii(obj->u.s) && step == 1) {
            int64_t n = (int64_t)obj->u.s.len;
            if (!ha)
                a = 0;
            if (!hb)
                b = n;
            if (a < 0)
                a = a + n < 0 ? 0 : a + n;
            if (b < 0)
                b = b + n < 0 ? 0 : b + n;
            if (a > n)
                a = n;
            if (b > n)
                b = n;
            *out = xf_v_str(xf_str_n(obj->u.s.p + a, b > a ? (size_t)(b - a) : 0));
            return 0;
        }
        items = chars_of(r, obj->u.s);
    } else if (obj->t == XF_V_UNDEF) {
        *out = xf_v_undef();
        return 0;
    } else {
        return xf_tpl_rerr_at(r, r->call_loc, "%s cannot be sliced", xf_tpl_py_tname(obj));
    }
    int64_t n = (int64_t)items.u.l->n;
    if (step > 0) {
        if (!ha)
            a = 0;
        else if (a < 0)
            a = a + n < 0 ? 0 : a + n;
        else if (a > n)
            a = n;
        if (!hb)
            b = n;
        else if (b < 0)
            b = b + n < 0 ? 0 : b + n;
        else if (b > n)
            b = n;
    } else {
        if (!ha)
            a = n - 1;
        else if (a < 0)
            a = a + n < 0 ? -1 : a + n;
        else if (a >= n)
            a = n - 1;
        if (!hb)
            b = -1;
        else if (b < 0)
            b = b + n < 0 ? -1 : b + n;
        else if (b >= n)
            b = n - 1;
    }
    struct xf_value res = xf_v_list(r->a, 0);
    res.u.l->tuple = !is_str && items.u.l->tuple;
    for (int64_t i = a; step > 0 ? i < b : i > b;) {
        xf_list_push(r->a, res.u.l, items.u.l->items[i]);
        if (__builtin_add_overflow(i, step, &i))
            break; /* a huge step: past either end */
    }
    if (is_str) {
        size_t mark = r->out->len;
        for (size_t i = 0; i < res.u.l->n; i++)
            xf_buf_addstr(r->out, res.u.l->items[i].u.s);
        *out = xf_v_str(xf_str_n(xf_arena_strndup(r->a, r->out->ptr + mark, r->out->len - mark),
                                 r->out->len - mark));
        xf_buf_setlen(r->out, mark);
        return 0;
    }
    *out = res;
    return 0;
}

/* ---- Comparison and arithmetic ---- */

static bool is_num(const struct xf_value *v)
{
    return v->t == XF_V_INT || v->t == XF_V_FLOAT || v->t == XF_V_BOOL;
}

static double num_f(const struct xf_value *v)
{
    return v->t == XF_V_FLOAT ? v->u.f : v->t == XF_V_INT ? (double)v->u.i : (double)v->u.b;
}

static int64_t num_i(const struct xf_value *v)
{
    return v->t == XF_V_INT ? v->u.i : (int64_t)v->u.b;
}

static int cmp_str(struct xf_str a, struct xf_str b, bool casefold)
{
    size_t n = a.len < b.len ? a.len : b.len;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a.p[i], y = (unsigned char)b.p[i];
        if (casefold) {
            if (x >= 'A' && x <= 'Z')
                x = (unsigned char)(x + 32);
            if (y >= 'A' && y <= 'Z')
                y = (unsigned char)(y + 32);
        }
        if (x != y)
            return x < y ? -1 : 1;
    }
    return a.len < b.len ? -1 : a.len > b.len ? 1 : 0;
}

int xf_tpl_compare_values(struct xf_render *r, int *cmp, const struct xf_value *a,
                          const struct xf_value *b, bool casefold)
{
    if (is_num(a) && is_num(b)) {
        if (a->t != XF_V_FLOAT && b->t != XF_V_FLOAT) {
            int64_t x = num_i(a), y = num_i(b);
            *cmp = x < y ? -1 : x > y ? 1 : 0;
        } else {
            double x = num_f(a), y = num_f(b);
            *cmp = x < y ? -1 : x > y ? 1 : 0;
        }
        return 0;
    }
    if (a->t == XF_V_STR && b->t == XF_V_STR) {
        *cmp = cmp_str(a->u.s, b->u.s, casefold);
        return 0;
    }
    if (a->t == XF_V_LIST && b->t == XF_V_LIST) {
        size_t n = a->u.l->n < b->u.l->n ? a->u.l->n : b->u.l->n;
        for (size_t i = 0; i < n; i++) {
            if (xf_value_equal(&a->u.l->items[i], &b->u.l->items[i]))
                continue;
            return xf_tpl_compare_values(r, cmp, &a->u.l->items[i], &b->u.l->items[i], casefold);
        }
        *cmp = a->u.l->n < b->u.l->n ? -1 : a->u.l->n > b->u.l->n ? 1 : 0;
        return 0;
    }
    bool handled = false;
    if (xf_tpl_datetime_compare(a, b, cmp, &handled) == 0 && handled)
        return 0;
    return xf_tpl_rerr_at(r, r->call_loc, "'<' not supported between instances of '%s' and '%s'",
                          xf_tpl_py_tname(a), xf_tpl_py_tname(b));
}

static int contains(struct xf_render *r, bool *out, const struct xf_value *item,
                    const struct xf_value *seq)
{
    switch (seq->t) {
    case XF_V_LIST:
        *out = false;
        for (size_t i = 0; i < seq->u.l->n; i++) {
            if (xf_value_equal(item, &seq->u.l->items[i])) {
                *out = true;
                break;
            }
        }
        return 0;
    case XF_V_DICT:
        if (item->t != XF_V_STR) {
            struct xf_value s = xf_tpl_str_value(r, item);
            *out = item->t != XF_V_UNDEF && xf_dict_get(seq->u.d, s.u.s) != NULL;
            return 0;
        }
        *out = xf_dict_get(seq->u.d, item->u.s) != NULL;
        return 0;
    case XF_V_STR:
        if (item->t != XF_V_STR) {
            return xf_tpl_rerr_at(r, r->call_loc,
                                  "'in <string>' needs a string on the left, not %s",
                                  xf_tpl_py_tname(item));
        }
        *out = item->u.s.len == 0 ||
               memmem(seq->u.s.p, seq->u.s.len, item->u.s.p, item->u.s.len) != NULL;
        return 0;
    case XF_V_UNDEF:
        *out = false;
        return 0;
    default:
        return xf_tpl_rerr_at(r, r->call_loc,
                              "'in' needs a list, dict or string on the right, not %s",
                              xf_tpl_py_tname(seq));
    }
}

static int compare_op(struct xf_render *r, bool *out, char op, const struct xf_value *a,
                      const struct xf_value *b)
{
    int c;
    bool handled = false;
    switch (op) {
    case OP_EQ:
    case OP_NE:
        if (a->t == XF_V_OBJ && b->t == XF_V_OBJ &&
            xf_tpl_datetime_compare(a, b, &c, &handled) == 0 && handled)
            *out = c == 0;
        else
            *out = xf_value_equal(a, b);
        if (op == OP_NE)
            *out = !*out;
        return 0;
    case OP_IN:
        return contains(r, out, a, b);
    case OP_NOTIN:
        if (contains(r, out, a, b) < 0)
            return -1;
        *out = !*out;
        return 0;
    default:
        if (xf_tpl_compare_values(r, &c, a, b, false) < 0)
            return -1;
        *out = op == '<' ? c < 0 : op == OP_LE ? c <= 0 : op == '>' ? c > 0 : c >= 0;
        return 0;
    }
}

static const char *op_name(char op)
{
    switch (op) {
    case OP_FLOORDIV:
        return "//";
    case OP_POW:
        return "**";
    case '+':
        return "+";
    case '-':
        return "-";
    case '*':
        return "*";
    case '/':
        return "/";
    default:
        return "%";
    }
}

static struct xf_value repeat_value(struct xf_render *r, const struct xf_value *seq, int64_t n)
{
    if (seq->t == XF_V_STR) {
        if (n <= 0)
            return xf_v_str(XF_STR(""));
        size_t len = seq->u.s.len * (size_t)n;
        char *p = xf_arena_alloc(r->a, len + 1);
        for (int64_t i = 0; i < n; i++)
            memcpy(p + (size_t)i * seq->u.s.len, seq->u.s.p, seq->u.s.len);
        p[len] = 0;
        return xf_v_str(xf_str_n(p, len));
    }
    struct xf_value l = xf_v_list(r->a, 0);
    l.u.l->tuple = seq->u.l->tuple;
    for (int64_t i = 0; i < n; i++) {
        for (size_t j = 0; j < seq->u.l->n; j++)
            xf_list_push(r->a, l.u.l, seq->u.l->items[j]);
    }
    return l;
}

/* seq * n: refused before anything is allocated when it is too big. */
static int repeat(struct xf_render *r, struct xf_value *out, const struct xf_value *seq, int64_t n)
{
    bool str = seq->t == XF_V_STR;
    uint64_t unit = str ? seq->u.s.len : seq->u.l->n * sizeof(struct xf_value), sz = 0;
    if (n > 0) {
        if (__builtin_mul_overflow(unit, (uint64_t)n, &sz) || sz > r->max_bytes) {
            return limit_error(r, r->call_loc,
                               "repeating a %s of %zu %s %" PRId64
                               " times is over the limit of %zu bytes of a render",
                               xf_tpl_py_tname(seq), str ? seq->u.s.len : seq->u.l->n,
                               str ? "bytes" : "items", n, r->max_bytes);
        }
        if (xf_tpl_render_reserve(r, sz) < 0)
            return -1;
    }
    *out = repeat_value(r, seq, n);
    return 0;
}

int xf_tpl_arith(struct xf_render *r, struct xf_value *out, char op, const struct xf_value *a,
                 const struct xf_value *b)
{
    if (is_num(a) && is_num(b)) {
        bool ints = a->t != XF_V_FLOAT && b->t != XF_V_FLOAT;
        if (ints) {
            int64_t x = num_i(a), y = num_i(b), z;
            switch (op) {
            case '+':
                if (!__builtin_add_overflow(x, y, &z)) {
                    *out = xf_v_int(z);
                    return 0;
                }
                break;
            case '-':
                if (!__builtin_sub_overflow(x, y, &z)) {
                    *out = xf_v_int(z);
                    return 0;
                }
                break;
            case '*':
                if (!__builtin_mul_overflow(x, y, &z)) {
                    *out = xf_v_int(z);
                    return 0;
                }
                break;
            case '/':
                if (y == 0)
                    return xf_tpl_rerr_at(r, r->call_loc, "division by zero");
                *out = xf_v_float((double)x / (double)y);
                return 0;
            case OP_FLOORDIV:
            case '%': {
                if (y == 0)
                    return xf_tpl_rerr_at(r, r->call_loc, "division by zero");
                if (x == INT64_MIN && y == -1) {
                    if (op == '%') {
                        *out = xf_v_int(0);
                        return 0;
                    }
                    break;
                }
                int64_t q = x / y, m = x % y;
                if (m != 0 && ((m < 0) != (y < 0))) {
                    q--;
                    m += y;
                }
                *out = xf_v_int(op == '%' ? m : q);
                return 0;
            }
            case OP_POW:
                if (y >= 0) {
                    int64_t acc = 1, base = x;
                    bool ovf = false;
                    for (int64_t e = y; e > 0 && !ovf; e >>= 1) {
                        if (e & 1)
                            ovf |= __builtin_mul_overflow(acc, base, &acc);
                        if (e > 1)
                            ovf |= __builtin_mul_overflow(base, base, &base);
                    }
                    if (!ovf) {
                        *out = xf_v_int(acc);
                        return 0;
                    }
                }
                break;
            }
        }
        double x = num_f(a), y = num_f(b);
        switch (op) {
        case '+':
            *out = xf_v_float(x + y);
            return 0;
        case '-':
            *out = xf_v_float(x - y);
            return 0;
        case '*':
            *out = xf_v_float(x * y);
            return 0;
        case '/':
            if (y == 0)
                return xf_tpl_rerr_at(r, r->call_loc, "division by zero");
            *out = xf_v_float(x / y);
            return 0;
        case OP_FLOORDIV:
            if (y == 0)
                return xf_tpl_rerr_at(r, r->call_loc, "division by zero");
            *out = xf_v_float(floor(x / y));
            return 0;
        case '%': {
            if (y == 0)
                return xf_tpl_rerr_at(r, r->call_loc, "division by zero");
            double m = fmod(x, y);
            if (m != 0 && ((m < 0) != (y < 0)))
                m += y;
            *out = xf_v_float(m);
            return 0;
        }
        case OP_POW:
            *out = xf_v_float(pow(x, y));
            return 0;
        }
    }
    if (op == '+' && a->t == XF_V_STR && b->t == XF_V_STR) {
        size_t n = a->u.s.len + b->u.s.len;
        if (xf_tpl_render_reserve(r, n) < 0)
            return -1;
        char *p = xf_arena_alloc(r->a, n + 1);
        memcpy(p, a->u.s.p, a->u.s.len);
        memcpy(p + a->u.s.len, b->u.s.p, b->u.s.len);
        p[n] = 0;
        *out = xf_v_str(xf_str_n(p, n));
        return 0;
    }
    if (op == '+' && a->t == XF_V_LIST && b->t == XF_V_LIST) {
        if (xf_tpl_render_reserve(r, (a->u.l->n + b->u.l->n) * sizeof(struct xf_value)) < 0)
            return -1;
        struct xf_value l = xf_v_list(r->a, a->u.l->n + b->u.l->n);
        l.u.l->tuple = a->u.l->tuple;
        for (size_t i = 0; i < a->u.l->n; i++)
            xf_list_push(r->a, l.u.l, a->u.l->items[i]);
        for (size_t i = 0; i < b->u.l->n; i++)
            xf_list_push(r->a, l.u.l, b->u.l->items[i]);
        *out = l;
        return 0;
    }
    if (op == '*' && (a->t == XF_V_STR || a->t == XF_V_LIST) &&
        (b->t == XF_V_INT || b->t == XF_V_BOOL)) {
        return repeat(r, out, a, num_i(b));
    }
    if (op == '*' && (b->t == XF_V_STR || b->t == XF_V_LIST) &&
        (a->t == XF_V_INT || a->t == XF_V_BOOL)) {
        return repeat(r, out, b, num_i(a));
    }
    if (op == '%' && a->t == XF_V_STR)
        return xf_tpl_py_percent_format(r, out, a->u.s, b);
    bool handled = false;
    if (xf_tpl_datetime_arith(r, out, op, a, b, &handled) < 0)
        return -1;
    if (handled)
        return 0;
    return xf_tpl_rerr_at(r, r->call_loc, "unsupported operand types for %s: '%s' and '%s'",
                          op_name(op), xf_tpl_py_tname(a), xf_tpl_py_tname(b));
}

/* ---- Expressions ---- */

static int eval(struct xf_render *r, const struct expr *e, struct xf_value *out);
static int exec_stmt(struct xf_render *r, const struct stmt *st);
static int eval_call(struct xf_render *r, const struct expr *e, struct xf_value *out,
                     const struct xf_value *caller);

/* Evaluates and fails on undefined (for operands that need a value). */
static int eval_defined(struct xf_render *r, const struct expr *e, struct xf_value *out)
{
    if (eval(r, e, out) < 0)
        return -1;
    if (out->t == XF_V_UNDEF && !r->env->lenient_undefined)
        return undefined_error_v(r, e, out);
    return 0;
}

#define STACK_ARGS 8

struct argspace {
    struct xf_value pos[STACK_ARGS];
    struct xf_value kw[STACK_ARGS];
    struct xf_str kwn[STACK_ARGS];
};

static int eval_args(struct xf_render *r, const struct callargs *ca, struct xf_args *out,
                     struct argspace *sp)
{
    memset(out, 0, sizeof *out);
    struct xf_value star = xf_v_undef(), dstar = xf_v_undef();
    if (ca->star) {
        if (eval_defined(r, ca->star, &star) < 0)
            return -1;
        if (star.t != XF_V_LIST) {
            r->call_loc = eloc(r, ca->star);
            if (xf_tpl_to_list(r, &star, &star) < 0)
                return -1;
        }
    }
    if (ca->dstar) {
        if (eval_defined(r, ca->dstar, &dstar) < 0)
            return -1;
        if (dstar.t != XF_V_DICT)
            return xf_tpl_rerr(r, ca->dstar->off, ca->dstar->len, "'**' needs a dict, not %s",
                               xf_tpl_py_tname(&dstar));
    }
    size_t np = ca->npos + (star.t == XF_V_LIST ? star.u.l->n : 0);
    size_t nk = ca->nkw + (dstar.t == XF_V_DICT ? dstar.u.d->n : 0);
    struct xf_value *pos = np <= STACK_ARGS ? sp->pos : XF_ANEWN(r->a, struct xf_value, np);
    struct xf_value *kw = nk <= STACK_ARGS ? sp->kw : XF_ANEWN(r->a, struct xf_value, nk);
    struct xf_str *kwn = nk <= STACK_ARGS ? sp->kwn : XF_ANEWN(r->a, struct xf_str, nk);
    for (uint32_t i = 0; i < ca->npos; i++) {
        if (eval(r, ca->pos[i], &pos[i]) < 0)
            return -1;
    }
    size_t k = ca->npos;
    if (star.t == XF_V_LIST) {
        for (size_t i = 0; i < star.u.l->n; i++)
            pos[k++] = star.u.l->items[i];
    }
    for (uint32_t i = 0; i < ca->nkw; i++) {
        kwn[i] = ca->kwnames[i];
        if (eval(r, ca->kwvals[i], &kw[i]) < 0)
            return -1;
    }
    k = ca->nkw;
    if (dstar.t == XF_V_DICT) {
        for (size_t i = 0; i < dstar.u.d->n; i++) {
            kwn[k] = dstar.u.d->ents[i].key;
            kw[k++] = dstar.u.d->ents[i].val;
        }
    }
    out->pos = pos;
    out->npos = np;
    out->kwnames = kwn;
    out->kwvals = kw;
    out->nkw = nk;
    return 0;
}

static int eval_cmp(struct xf_render *r, const struct expr *e, struct xf_value *out)
{
    struct xf_value a, b;
    if (eval(r, e->u.cmp.first, &a) < 0)
        return -1;
    bool res = true;
    for (uint32_t i = 0; i < e->u.cmp.n; i++) {
        if (eval(r, e->u.cmp.ops[i].e, &b) < 0)
            return -1;
        r->call_loc = eloc(r, e);
        char op = e->u.cmp.ops[i].op;
        if (op != OP_EQ && op != OP_NE && op != OP_IN && op != OP_NOTIN) {
            if (a.t == XF_V_UNDEF && !r->env->lenient_undefined)
                return undefined_error_v(r, i ? e->u.cmp.ops[i - 1].e : e->u.cmp.first, &a);
            if (b.t == XF_V_UNDEF && !r->env->lenient_undefined)
                return undefined_error_v(r, e->u.cmp.ops[i].e, &b);
        }
        if (compare_op(r, &res, op, &a, &b) < 0)
            return -1;
        if (!res)
            break;
        a = b;
    }
    *out = xf_v_bool(res);
    return 0;
}

static int eval_concat(struct xf_render *r, const struct expr *e, struct xf_value *out)
{
    size_t mark = r->out->len;
    for (uint32_t i = 0; i < e->u.list.n; i++) {
        struct xf_value v;
        if (eval(r, e->u.list.items[i], &v) < 0) {
            xf_buf_setlen(r->out, mark);
            return -1;
        }
        r->call_loc = eloc(r, e);
        if (xf_tpl_render_reserve_str(r, &v) < 0 ||
            xf_tpl_render_reserve(r, r->out->len - mark + (v.t == XF_V_STR ? v.u.s.len : 0)) < 0) {
            xf_buf_setlen(r->out, mark);
            return -1;
        }
        xf_value_str(r->out, &v);
    }
    size_t n = r->out->len - mark;
    *out = xf_v_str(xf_str_n(xf_arena_strndup(r->a, r->out->ptr + mark, n), n));
    xf_buf_setlen(r->out, mark);
    return 0;
}

static int eval_bin(struct xf_render *r, const struct expr *e, struct xf_value *out)
{
    struct xf_value a, b;
    if (eval_defined(r, e->u.bin.a, &a) < 0 || eval_defined(r, e->u.bin.b, &b) < 0)
        return -1;
    r->call_loc = eloc(r, e);
    return xf_tpl_arith(r, out, e->op, &a, &b);
}

static int eval_collection(struct xf_render *r, const struct expr *e, struct xf_value *out)
{
    uint32_t n = e->u.list.n;
    if (e->kind == E_DICT) {
        struct xf_value d = xf_v_dict(r->a, n / 2);
        for (uint32_t i = 0; i + 1 < n; i += 2) {
            struct xf_value k, v;
            if (eval(r, e->u.list.items[i], &k) < 0 || eval(r, e->u.list.items[i + 1], &v) < 0)
                return -1;
            bool raw = k.t != XF_V_STR;
            if (raw)
                k = xf_tpl_str_value(r, &k);
            xf_dict_set(r->a, d.u.d, k.u.s, v);
            if (raw)
                xf_tpl_dict_ent_of(xf_dict_get(d.u.d, k.u.s))->raw_key = true;
        }
        *out = d;
        return 0;
    }
    struct xf_value l = xf_v_list(r->a, n);
    l.u.l->tuple = e->kind == E_TUPLE;
    for (uint32_t i = 0; i < n; i++) {
        if (eval(r, e->u.list.items[i], &l.u.l->items[i]) < 0)
            return -1;
    }
    l.u.l->n = n;
    *out = l;
    return 0;
}

static int eval_filter(struct xf_render *r, const struct expr *e, struct xf_value *out)
{
    struct xf_value v;
    if (eval(r, e->u.filter.val, &v) < 0)
        return -1;
    struct argspace sp;
    struct xf_args args;
    if (eval_args(r, ARGS(e->u.filter.args), &args, &sp) < 0)
        return -1;
    r->call_loc = eloc(r, e);
    return xf_tpl_apply_filter(r, out, e->u.filter.def, &v, &args);
}

static int eval_test(struct xf_render *r, const struct expr *e, struct xf_value *out)
{
    struct xf_value v;
    if (eval(r, e->u.test.val, &v) < 0)
        return -1;
    struct argspace sp;
    struct xf_args args;
    if (eval_args(r, ARGS(e->u.test.args), &args, &sp) < 0)
        return -1;
    r->call_loc = eloc(r, e);
    bool b;
    if (xf_tpl_apply_test(r, &b, e->u.test.def, &v, &args) < 0)
        return -1;
    *out = xf_v_bool(e->u.test.negate ? !b : b);
    return 0;
}

static int eval_slice(struct xf_render *r, const struct expr *e, struct xf_value *out)
{
    struct xf_value o, lo = xf_v_none(), hi = xf_v_none(), st = xf_v_none();
    if (eval(r, e->u.slice.obj, &o) < 0)
        return -1;
    if (o.t == XF_V_UNDEF && !r->env->lenient_undefined)
        return undefined_error_v(r, e->u.slice.obj, &o);
    if ((e->u.slice.lo && eval(r, e->u.slice.lo, &lo) < 0) ||
        (e->u.slice.hi && eval(r, e->u.slice.hi, &hi) < 0) ||
        (e->u.slice.step && eval(r, e->u.slice.step, &st) < 0))
        return -1;
    r->call_loc = eloc(r, e);
    return do_slice(r, out, &o, &lo, &hi, &st);
}

static int eval_node(struct xf_render *r, const struct expr *e, struct xf_value *out);

/* Bounds the C stack a render can use (deep macro recursion of deep expressions). */
static int eval(struct xf_render *r, const struct expr *e, struct xf_value *out)
{
    if (r->edepth >= MAX_EVAL_DEPTH)
        return xf_tpl_rerr(r, e->off, e->len, "expression evaluation nested too deeply");
    r->edepth++;
    int rc = eval_node(r, e, out);
    r->edepth--;
    return rc;
}

static int eval_node(struct xf_render *r, const struct expr *e, struct xf_value *out)
{
    switch (e->kind) {
    case E_CONST:
        *out = e->u.k;
        return 0;
    case E_NAME: {
        const struct xf_value *v = lookup(r, e->u.name.name, e->u.name.hash);
        *out = v ? *v : xf_v_undef();
        return 0;
    }
    case E_ATTR: {
        struct xf_value o;
        if (eval(r, e->u.attr.obj, &o) < 0)
            return -1;
        if (o.t == XF_V_UNDEF) {
            if (r->env->lenient_undefined) {
                *out = o;
                return 0;
            }
            return undefined_namespace(r, e->u.attr.obj, &o);
        }
        r->call_loc = eloc(r, e);
        return xf_tpl_get_attr(r, out, &o, e->u.attr.name);
    }
    case E_ITEM: {
        struct xf_value o, k;
        if (eval(r, e->u.item.obj, &o) < 0)
            return -1;
        if (o.t == XF_V_UNDEF) {
            if (r->env->lenient_undefined) {
                *out = o;
                return 0;
            }
            return undefined_error_v(r, e->u.item.obj, &o);
        }
        if (eval(r, e->u.item.idx, &k) < 0)
            return -1;
        r->call_loc = eloc(r, e);
        return xf_tpl_get_item(r, out, &o, &k);
    }
    case E_SLICE:
        return eval_slice(r, e, out);
    case E_CALL:
        return eval_call(r, e, out, NULL);
    case E_FILTER:
        return eval_filter(r, e, out);
    case E_TEST:
        return eval_test(r, e, out);
    case E_LIST:
    case E_TUPLE:
    case E_DICT:
        return eval_collection(r, e, out);
    case E_BIN:
        return eval_bin(r, e, out);
    case E_AND:
        if (eval(r, e->u.bin.a, out) < 0)
            return -1;
        if (!xf_value_truthy(out))
            return 0;
        return eval(r, e->u.bin.b, out);
    case E_OR:
        if (eval(r, e->u.bin.a, out) < 0)
            return -1;
        if (xf_value_truthy(out))
            return 0;
        return eval(r, e->u.bin.b, out);
    case E_NOT:
        if (eval(r, e->u.bin.a, out) < 0)
            return -1;
        *out = xf_v_bool(!xf_value_truthy(out));
        return 0;
    case E_NEG:
    case E_POS: {
        struct xf_value v;
        if (eval_defined(r, e->u.bin.a, &v) < 0)
            return -1;
        if (!is_num(&v))
            return xf_tpl_rerr(r, e->off, e->len, "unary '%c' needs a number, not %s",
                               e->kind == E_NEG ? '-' : '+', xf_tpl_py_tname(&v));
        if (e->kind == E_POS)
            *out = v.t == XF_V_BOOL ? xf_v_int(v.u.b) : v;
        else if (v.t == XF_V_FLOAT)
            *out = xf_v_float(-v.u.f);
        else if (num_i(&v) == INT64_MIN)
            *out = xf_v_float(-(double)INT64_MIN); /* past int64, as xf_tpl_arith() goes */
        else
            *out = xf_v_int(-num_i(&v));
        return 0;
    }
    case E_CMP:
        return eval_cmp(r, e, out);
    case E_COND: {
        struct xf_value c;
        if (eval(r, e->u.cond.cond, &c) < 0)
            return -1;
        if (xf_value_truthy(&c))
            return eval(r, e->u.cond.then, out);
        if (e->u.cond.els)
            return eval(r, e->u.cond.els, out);
        *out = xf_v_undef();
        return 0;
    }
    case E_CONCAT:
        return eval_concat(r, e, out);
    case E_SLOT:
        *out = r->slot;
        return 0;
    }
    return xf_tpl_rerr(r, e->off, e->len, "internal error: unknown expression");
}

/* ---- Calls ---- */

static int call_macro(struct xf_render *r, struct xf_value *out, const struct xf_func *f,
                      const struct xf_args *args);

int xf_tpl_call_value(struct xf_render *r, struct xf_value *out, const struct xf_value *fn,
                      const struct xf_args *args, const char *what)
{
    if (fn->t == XF_V_FUNC) {
        if (!fn->u.fn->fn)
            return call_macro(r, out, fn->u.fn, args);
        if (!xf_tpl_builtin_is_pure(fn->u.fn->fn) && !xf_tpl_is_bound_method_fn(fn->u.fn->fn) &&
            fn->u.fn->fn != loop_cycle)
            xf_tpl_render_escape(r, 0); /* the engine's natives may keep what they are given */
        struct xf_loc saved = r->call_loc;
        int rc = fn->u.fn->fn(out, r, fn->u.fn, args);
        r->call_loc = saved;
        return rc < 0 ? -1 : 0;
    }
    if (fn->t == XF_V_OBJ && fn->u.o->ops->call) {
        xf_tpl_render_escape(r, 0);
        struct xf_loc saved = r->call_loc;
        int rc = fn->u.o->ops->call(out, r, fn->u.o, args);
        r->call_loc = saved;
        return rc < 0 ? -1 : 0;
    }
    if (fn->t == XF_V_UNDEF && r->env->lenient_undefined) {
        *out = xf_v_undef();
        return 0;
    }
    (void)what;
    return xf_tpl_rerr_at(r, r->call_loc, "'%s' object is not callable", xf_tpl_py_tname(fn));
}

static int eval_call(struct xf_render *r, const struct expr *e, struct xf_value *out,
                     const struct xf_value *caller)
{
    const struct expr *fe = e->u.call.fn;
    struct xf_value fn;
    struct argspace sp;
    struct xf_args args;
    if (fe->kind == E_ATTR) {
        /* obj.method(...) without allocating a bound method */
        struct xf_value obj;
        if (eval(r, fe->u.attr.obj, &obj) < 0)
            return -1;
        if (obj.t == XF_V_UNDEF) {
            if (r->env->lenient_undefined) {
                *out = obj;
                return 0;
            }
            return undefined_namespace(r, fe->u.attr.obj, &obj);
        }
        if ((obj.t == XF_V_STR || obj.t == XF_V_LIST || obj.t == XF_V_DICT) &&
            xf_tpl_has_method(&obj, fe->u.attr.name)) {
            if (eval_args(r, ARGS(e->u.call.args), &args, &sp) < 0)
                return -1;
            args.caller = caller;
            r->call_loc = eloc(r, e);
            return xf_tpl_call_method(r, out, &obj, fe->u.attr.name, &args) < 0 ? -1 : 0;
        }
        r->call_loc = eloc(r, fe);
        if (xf_tpl_get_attr(r, &fn, &obj, fe->u.attr.name) < 0)
            return -1;
    } else if (eval(r, fe, &fn) < 0) {
        return -1;
    }
    if (fn.t == XF_V_UNDEF) {
        if (r->env->lenient_undefined) {
            *out = fn;
            return 0;
        }
        return undefined_error_v(r, fe, &fn);
    }
    if (!xf_tpl_is_callable(&fn))
        return xf_tpl_rerr(r, e->off, e->len, "'%s' object is not callable", xf_tpl_py_tname(&fn));
    if (eval_args(r, ARGS(e->u.call.args), &args, &sp) < 0)
        return -1;
    args.caller = caller;
    r->call_loc = eloc(r, e);
    return xf_tpl_call_value(r, out, &fn, &args, NULL);
}

static const char *plural(size_t n)
{
    return n == 1 ? "" : "s";
}

/*
 * A wrong argument in a macro call: located at the call, with the macro's
 * parameters and where it is defined as the hint (the call may come from
 * YAML, far from the macro), and the macro frames of the caller.
 */
static int macro_arg_error(struct xf_render *r, const struct macro *m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int macro_arg_error(struct xf_render *r, const struct macro *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct xf_diag *d = xf_diag_vadd(r->env->diags, XF_SEV_ERROR, r->call_loc, fmt, ap);
    va_end(ap);
    struct xf_buf b = XF_BUF_INIT;
    for (uint32_t i = 0; i < m->nparams; i++)
        xf_buf_addf(&b, "%s%.*s", i ? ", " : "", XF_STR_ARG(m->params[i].name));
    if (m->catch_varargs)
        xf_buf_addf(&b, "%s*varargs", b.len ? ", " : "");
    if (m->catch_kwargs)
        xf_buf_addf(&b, "%s**kwargs", b.len ? ", " : "");
    if (m->src) {
        unsigned line, col;
        xf_loc_linecol(m->src, m->off, &line, &col);
        xf_diag_hint(d, "'%s' is defined at %s:%u:%u as '%s(%s)'", m->name, m->src->path, line, col,
                     m->name, b.ptr);
    } else {
        xf_diag_hint(d, "'%s' takes (%s)", m->name, b.ptr);
    }
    xf_buf_release(&b);
    add_frames(r, d);
    return -1;
}

static int call_macro(struct xf_render *r, struct xf_value *out, const struct xf_func *f,
                      const struct xf_args *args)
{
    const struct macro *m = f->data;
    const struct macro_ctx *ctx = f->self;
    if (r->depth >= MAX_DEPTH) {
        return xf_tpl_rerr_at(r, r->call_loc, "macro '%s' nested too deeply (more than %d calls)",
                              m->name, MAX_DEPTH);
    }
    if (args->npos > m->nparams && !m->catch_varargs) {
        return macro_arg_error(r, m, "macro '%s' takes %u argument%s but %zu %s given", m->name,
                               m->nparams, plural(m->nparams), args->npos,
                               args->npos == 1 ? "was" : "were");
    }
    /* Keyword arguments: match to parameters first (errors at the call site). */
    struct xf_value kwargs = xf_v_undef();
    const struct xf_value **byname = NULL;
    if (m->nparams) {
        byname = XF_ANEWN(r->a, const struct xf_value *, m->nparams);
    }
    for (size_t k = 0; k < args->nkw; k++) {
        struct xf_str kn = args->kwnames[k];
        bool found = false;
        for (uint32_t i = 0; i < m->nparams; i++) {
            if (xf_str_eq(m->params[i].name, kn)) {
                if (i < args->npos || byname[i]) {
                    return macro_arg_error(r, m,
                                           "macro '%s' got multiple values for argument '%.*s'",
                                           m->name, XF_STR_ARG(kn));
                }
                byname[i] = &args->kwvals[k];
                found = true;
                break;
            }
        }
        if (found)
            continue;
        if (m->catch_kwargs) {
            if (kwargs.t == XF_V_UNDEF)
                kwargs = xf_v_dict(r->a, args->nkw);
            xf_dict_set(r->a, kwargs.u.d, kn, args->kwvals[k]);
            continue;
        }
        return macro_arg_error(r, m, "macro '%s' takes no keyword argument '%.*s'", m->name,
                               XF_STR_ARG(kn));
    }

    struct scope *s = new_scope(r, ctx ? ctx->closure : NULL);
    struct frame fr = {r->frames, m->name, r->call_loc};
    const struct xf_source *saved_src = r->src;
    struct scope *saved_scope = r->scope;
    const struct xf_dict *saved_pkg = r->pkg;
    struct xf_value saved_slot = r->slot;
    r->frames = &fr;
    r->src = m->src;
    r->scope = s;
    if (ctx && ctx->package && r->env->package_scope)
        r->pkg = r->env->package_scope(r->env->user, ctx->package);
    else if (!ctx || !ctx->closure)
        r->pkg = NULL;
    r->depth++;
    size_t mark = r->out->len;
    int rc = 0;

    for (uint32_t i = 0; i < m->nparams; i++) {
        const struct param *p = &m->params[i];
        struct xf_value v;
        if (i < args->npos) {
            v = args->pos[i];
        } else if (byname[i]) {
            v = *byname[i];
        } else if (p->def) {
            if ((rc = eval(r, p->def, &v)) < 0)
                goto done;
        } else {
            v = xf_v_undef();
        }
        scope_set(r, s, p->name, p->hash, v);
    }
    if (m->catch_varargs) {
        size_t extra = args->npos > m->nparams ? args->npos - m->nparams : 0;
        struct xf_value va = xf_tpl_new_tuple(r->a, extra);
        for (size_t i = 0; i < extra; i++)
            xf_list_push(r->a, va.u.l, args->pos[m->nparams + i]);
        scope_set(r, s, XF_STR("varargs"), xf_str_hash(XF_STR("varargs")), va);
    }
    if (m->catch_kwargs) {
        if (kwargs.t == XF_V_UNDEF)
            kwargs = xf_v_dict(r->a, 0);
        scope_set(r, s, XF_STR("kwargs"), xf_str_hash(XF_STR("kwargs")), kwargs);
    }
    if (args->caller)
        scope_set(r, s, XF_STR("caller"), xf_str_hash(XF_STR("caller")), *args->caller);

    rc = 0;
    for (uint32_t i = 0; i < m->body.n && rc == 0; i++) {
        rc = exec_stmt(r, m->body.v[i]);
        if (rc == 0 && check_limits(r, m->body.v[i]) < 0)
            rc = -1;
    }
    if (rc < 0 && r->returning) {
        r->returning = false;
        *out = r->retval;
        rc = 0;
    } else if (rc >= 0) {
        size_t n = r->out->len - mark;
        *out = xf_v_str(xf_str_n(xf_arena_strndup(r->a, r->out->ptr + mark, n), n));
        rc = 0;
    }
done:
    xf_buf_setlen(r->out, mark);
    r->depth--;
    r->frames = fr.up;
    r->src = saved_src;
    r->scope = saved_scope;
    r->pkg = saved_pkg;
    r->slot = saved_slot;
    return rc;
}

/* ---- Statements ---- */

/* After each statement: the output and the memory the render holds stay under its limit. */
static int check_limits(struct xf_render *r, const struct stmt *st)
{
    if (r->over)
        return -1;
    struct xf_loc loc = {r->src, st->off, st->len};
    if (r->out->len - r->out_start > r->max_bytes)
        return limit_error(r, loc, "the rendered text is over the limit of %zu bytes of a render",
                           r->max_bytes);
    if (arena_held(r) > r->max_bytes)
        return limit_error(r, loc, "the render holds more than its limit of %zu bytes of values",
                           r->max_bytes);
    return 0;
}

static int exec_body(struct xf_render *r, const struct body *b)
{
    for (uint32_t i = 0; i < b->n; i++) {
        int rc = exec_stmt(r, b->v[i]);
        if (rc)
            return rc;
        if (check_limits(r, b->v[i]) < 0)
            return -1;
    }
    return 0;
}

static int assign(struct xf_render *r, const struct target *t, const struct xf_value *v)
{
    switch (t->kind) {
    case T_NAME:
        scope_set(r, r->scope, t->name, t->hash, *v);
        return 0;
    case T_TUPLE: {
        struct xf_value l = *v;
        if (l.t != XF_V_LIST) {
            r->call_loc = (struct xf_loc){r->src, t->off, t->len};
            if (l.t != XF_V_STR && l.t != XF_V_DICT)
                return xf_tpl_rerr(r, t->off, t->len, "cannot unpack %s into %u variables",
                                   xf_tpl_py_tname(&l), t->n);
            if (xf_tpl_to_list(r, &l, &l) < 0)
                return -1;
        }
        if (l.u.l->n != t->n) {
            return xf_tpl_rerr(r, t->off, t->len, "cannot unpack %zu value%s into %u variables",
                               l.u.l->n, plural(l.u.l->n), t->n);
        }
        for (uint32_t i = 0; i < t->n; i++) {
            if (assign(r, &t->items[i], &l.u.l->items[i]) < 0)
                return -1;
        }
        return 0;
    }
    case T_ATTR: {
        struct xf_value ns;
        if (eval(r, t->obj, &ns) < 0)
            return -1;
        if (ns.t != XF_V_OBJ || ns.u.o->ops != &xf_tpl_namespace_ops) {
            if (ns.t == XF_V_UNDEF)
                return undefined_error_v(r, t->obj, &ns);
            return xf_tpl_rerr(r, t->off, t->len,
                               "cannot assign attribute '%.*s' on a non-namespace object ('%s')",
                               XF_STR_ARG(t->name), xf_tpl_py_tname(&ns));
        }
        xf_tpl_render_escape(r, 0); /* the namespace may be older than this loop iteration */
        xf_dict_set(r->a, ns.u.o->data,
                    xf_str_n(xf_arena_strndup(r->a, t->name.p, t->name.len), t->name.len), *v);
        return 0;
    }
    }
    return 0;
}

/* The `loop` object of a for loop. */
struct loop {
    const struct xf_value *items;
    size_t n, i;
    const struct stmt *st; /* a recursive loop: what loop(items) runs again */
    int depth;             /* 0 at the top, +1 per loop(items) call */
    struct xf_func cycle, changed;
    struct xf_value last_changed;
    bool have_changed;
};

static int loop_cycle(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                      const struct xf_args *args)
{
    const struct loop *lp = self->data;
    if (!args->npos)
        return xf_render_error(r, "loop.cycle() needs at least one value");
    *out = args->pos[lp->i % args->npos];
    return 0;
}

static int loop_changed(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                        const struct xf_args *args)
{
    struct loop *lp = self->data;
    xf_tpl_render_escape(r, 0); /* lp keeps the tuple */
    struct xf_value t = xf_tpl_new_tuple(r->a, args->npos);
    for (size_t i = 0; i < args->npos; i++)
        xf_list_push(r->a, t.u.l, args->pos[i]);
    bool changed = !lp->have_changed || !xf_value_equal(&t, &lp->last_changed);
    lp->have_changed = true;
    lp->last_changed = t;
    *out = xf_v_bool(changed);
    return 0;
}

static int loop_getattr(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                        struct xf_str name)
{
    (void)r;
    const struct loop *lp = o->data;
    int64_t i = (int64_t)lp->i, n = (int64_t)lp->n;
    if (xf_str_eqc(name, "index"))
        *out = xf_v_int(i + 1);
    else if (xf_str_eqc(name, "index0"))
        *out = xf_v_int(i);
    else if (xf_str_eqc(name, "revindex"))
        *out = xf_v_int(n - i);
    else if (xf_str_eqc(name, "revindex0"))
        *out = xf_v_int(n - i - 1);
    else if (xf_str_eqc(name, "first"))
        *out = xf_v_bool(i == 0);
    else if (xf_str_eqc(name, "last"))
        *out = xf_v_bool(i == n - 1);
    else if (xf_str_eqc(name, "length"))
        *out = xf_v_int(n);
    else if (xf_str_eqc(name, "previtem"))
        *out = i > 0 ? lp->items[i - 1] : xf_v_undef();
    else if (xf_str_eqc(name, "nextitem"))
        *out = i + 1 < n ? lp->items[i + 1] : xf_v_undef();
    else if (xf_str_eqc(name, "depth"))
        *out = xf_v_int(lp->depth + 1);
    else if (xf_str_eqc(name, "depth0"))
        *out = xf_v_int(lp->depth);
    else if (xf_str_eqc(name, "cycle"))
        *out = xf_v_func(&lp->cycle);
    else if (xf_str_eqc(name, "changed"))
        *out = xf_v_func(&lp->changed);
    else
        return 1;
    return 0;
}

static void loop_str(struct xf_buf *out, const struct xf_obj *o)
{
    const struct loop *lp = o->data;
    xf_buf_addf(out, "<LoopContext %zu/%zu>", lp->i + 1, lp->n);
}

static int loop_call(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                     const struct xf_args *args);

static const struct xf_obj_ops loop_ops = {
    .type_name = "loop", .getattr = loop_getattr, .str = loop_str};
static const struct xf_obj_ops recursive_loop_ops = {
    .type_name = "loop", .getattr = loop_getattr, .str = loop_str, .call = loop_call};

static int run_for(struct xf_render *r, const struct stmt *st, struct xf_value it, int depth);

static int exec_for(struct xf_render *r, const struct stmt *st)
{
    struct xf_value it;
    if (eval(r, st->u.for_.iter, &it) < 0)
        return -1;
    return run_for(r, st, it, 0);
}

/*
 * loop(items) in a recursive loop: the loop's body over `items` one level
 * deeper, its output returned as a string (Jinja's recursive loops).
 */
static int loop_call(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                     const struct xf_args *args)
{
    const struct loop *lp = o->data;
    if (args->npos != 1 || args->nkw)
        return xf_render_error(r, "loop() of a recursive loop takes one iterable");
    if (lp->depth >= 200)
        return xf_render_error(r, "recursive loop nested more than 200 levels deep");
    size_t mark = r->out->len;
    int rc = run_for(r, lp->st, args->pos[0], lp->depth + 1);
    if (rc < 0) {
        xf_buf_setlen(r->out, mark);
        return -1;
    }
    xf_tpl_render_escape(r, 0); /* the text outlives the inner loop's iterations */
    size_t n = r->out->len - mark;
    *out = xf_v_str(xf_str_n(xf_arena_strndup(r->a, r->out->ptr + mark, n), n));
    xf_buf_setlen(r->out, mark);
    return 0;
}

static int run_for(struct xf_render *r, const struct stmt *st, struct xf_value it, int depth)
{
    if (it.t != XF_V_LIST) {
        if (it.t != XF_V_DICT && it.t != XF_V_STR && it.t != XF_V_UNDEF &&
            !(it.t == XF_V_OBJ && it.u.o->ops->iter)) {
            const struct expr *ie = st->u.for_.iter;
            return xf_tpl_rerr(r, ie->off, ie->len, "'%s' object is not iterable",
                               xf_tpl_py_tname(&it));
        }
        if (xf_tpl_to_list(r, &it, &it) < 0)
            return -1;
    }
    struct scope *saved = r->scope;
    struct scope *ls = new_scope(r, saved);
    const struct xf_value *items = it.u.l->items;
    size_t n = it.u.l->n;
    if (st->u.for_.cond) {
        /* Filtered loops know their length up front, as in Jinja. */
        struct xf_value *keep = XF_ANEWN(r->a, struct xf_value, n ? n : 1);
        size_t k = 0;
        r->scope = ls;
        for (size_t i = 0; i < n; i++) {
            ls->n = 0;
            struct xf_value c, item = it.u.l->items[i];
            if (assign(r, &st->u.for_.tgt, &item) < 0 || eval(r, st->u.for_.cond, &c) < 0) {
                r->scope = saved;
                return -1;
            }
            if (xf_value_truthy(&c))
                keep[k++] = item;
        }
        r->scope = saved;
        items = keep;
        n = k;
    }
    struct loop *lp = XF_ANEW(r->a, struct loop);
    lp->items = items;
    lp->n = n;
    lp->cycle = (struct xf_func){"loop.cycle", loop_cycle, lp, NULL};
    lp->changed = (struct xf_func){"loop.changed", loop_changed, lp, NULL};
    lp->st = st;
    lp->depth = depth;
    struct xf_obj *lo = XF_ANEW(r->a, struct xf_obj);
    lo->ops = st->u.for_.recursive ? &recursive_loop_ops : &loop_ops;
    lo->data = lp;
    static const struct xf_str loop_name = {"loop", 4};
    uint64_t loop_hash = xf_str_hash(loop_name);
    int rc = 0;
    r->scope = ls;
    bool live =
        !st->u.for_.cond; /* a list appended to while looping grows the loop, as in Python */
    for (size_t i = 0; i < n; i++) {
        if (live) {
            lp->items = it.u.l->items;
            lp->n = n = it.u.l->n;
        }
        lp->i = i;
        ls->n = 0;
        scope_set(r, ls, loop_name, loop_hash, xf_v_obj(lo));
        /*
         * What the iteration allocates dies with it unless something older
         * may point at it (see xf_tpl_render_escape): then it is kept, as before.
         * The loop scope's values are reset each iteration anyway.
         */
        struct xf_arena_mark am;
        xf_arena_mark(r->a, &am);
        uint64_t low = r->low_water, epoch = ++r->epoch;
        r->low_water = UINT64_MAX;
        struct xf_value item = lp->items[i];
        if ((rc = assign(r, &st->u.for_.tgt, &item)) == 0)
            rc = exec_body(r, &st->u.for_.body);
        bool kept = r->low_water < epoch;
        if (r->low_water > low)
            r->low_water = low;
        if (rc < 0)
            break;
        if (!kept)
            xf_arena_reset(r->a, &am);
        if (rc == R_BREAK) {
            rc = 0;
            break;
        }
        if (rc == R_CONTINUE)
            rc = 0;
        if (rc)
            break;
    }
    r->scope = saved;
    if (rc)
        return rc;
    if (n == 0 && st->u.for_.els.n)
        return exec_body(r, &st->u.for_.els);
    return 0;
}

/* Renders a body into a string value (block set, filter block). */
static int capture(struct xf_render *r, const struct body *b, struct xf_value *out)
{
    size_t mark = r->out->len;
    struct scope *saved = r->scope;
    r->scope = new_scope(r, saved);
    int rc = exec_body(r, b);
    r->scope = saved;
    if (rc == 0) {
        size_t n = r->out->len - mark;
        *out = xf_v_str(xf_str_n(xf_arena_strndup(r->a, r->out->ptr + mark, n), n));
    }
    xf_buf_setlen(r->out, mark);
    return rc;
}

static struct xf_value macro_func(struct xf_render *r, const struct macro *m)
{
    struct xf_func *f = XF_ANEW(r->a, struct xf_func);
    struct macro_ctx *ctx = XF_ANEW(r->a, struct macro_ctx);
    ctx->closure = r->scope;
    f->name = m->name;
    f->fn = NULL;
    f->data = (void *)m;
    f->self = ctx;
    return xf_v_func(f);
}

static int exec_stmt(struct xf_render *r, const struct stmt *st)
{
    switch (st->kind) {
    case S_DATA:
        xf_buf_addstr(r->out, st->u.text);
        return 0;
    case S_OUTPUT: {
        struct xf_value v;
        if (eval(r, st->u.e, &v) < 0)
            return -1;
        if (v.t == XF_V_STR) {
            xf_buf_addstr(r->out, v.u.s);
            return 0;
        }
        r->call_loc = (struct xf_loc){r->src, st->off, st->len};
        if (xf_tpl_render_reserve_str(r, &v) < 0)
            return -1;
        xf_value_str(r->out, &v);
        return 0;
    }
    case S_IF:
        for (uint32_t i = 0; i < st->u.if_.n; i++) {
            struct xf_value c;
            if (eval(r, st->u.if_.conds[i], &c) < 0)
                return -1;
            if (xf_value_truthy(&c))
                return exec_body(r, &st->u.if_.bodies[i]);
        }
        return exec_body(r, &st->u.if_.els);
    case S_FOR:
        return exec_for(r, st);
    case S_SET: {
        struct xf_value v;
        if (eval(r, st->u.set.e, &v) < 0)
            return -1;
        return assign(r, &st->u.set.tgt, &v);
    }
    case S_SET_BLOCK: {
        struct xf_value v;
        int rc = capture(r, &st->u.setblock.body, &v);
        if (rc)
            return rc;
        if (st->u.setblock.filter) {
            struct xf_value saved = r->slot;
            r->slot = v;
            rc = eval(r, st->u.setblock.filter, &v);
            r->slot = saved;
            if (rc < 0)
                return -1;
        }
        return assign(r, &st->u.setblock.tgt, &v);
    }
    case S_DO: {
        struct xf_value v;
        return eval(r, st->u.e, &v) < 0 ? -1 : 0;
    }
    case S_MACRO: {
        const struct macro *m = st->u.macro;
        struct xf_str name = xf_str_c(m->name);
        scope_set(r, r->scope, name, xf_str_hash(name), macro_func(r, m));
        return 0;
    }
    case S_CALL: {
        struct xf_value caller = macro_func(r, st->u.call.caller), v;
        if (eval_call(r, st->u.call.call, &v, &caller) < 0)
            return -1;
        r->call_loc = (struct xf_loc){r->src, st->off, st->len};
        if (xf_tpl_render_reserve_str(r, &v) < 0)
            return -1;
        xf_value_str(r->out, &v);
        return 0;
    }
    case S_FILTER: {
        struct xf_value v;
        int rc = capture(r, &st->u.filter.body, &v);
        if (rc)
            return rc;
        struct xf_value saved = r->slot;
        r->slot = v;
        rc = eval(r, st->u.filter.filter, &v);
        r->slot = saved;
        if (rc < 0)
            return -1;
        r->call_loc = (struct xf_loc){r->src, st->off, st->len};
        if (xf_tpl_render_reserve_str(r, &v) < 0)
            return -1;
        xf_value_str(r->out, &v);
        return 0;
    }
    case S_BREAK:
        return R_BREAK;
    case S_CONTINUE:
        return R_CONTINUE;
    case S_WITH: {
        struct scope *saved = r->scope;
        struct scope *ws = new_scope(r, saved);
        for (uint32_t i = 0; i < st->u.with.n; i++) {
            struct xf_value v;
            if (eval(r, st->u.with.vals[i], &v) < 0)
                return -1;
            r->scope = ws;
            int rc = assign(r, &st->u.with.tgts[i], &v);
            r->scope = saved;
            if (rc < 0)
                return -1;
        }
        r->scope = ws;
        int rc = exec_body(r, &st->u.with.body);
        r->scope = saved;
        return rc;
    }
    case S_NOP:
        return 0;
    }
    return 0;
}

/* ---- Public API ---- */

static void render_init(struct xf_render *r, const struct xf_render_env *env, struct xf_buf *out,
                        const struct xf_source *src)
{
    memset(r, 0, sizeof *r);
    r->env = env;
    r->a = env->arena;
    r->out = out;
    r->src = src;
    r->call_loc = XF_NOLOC;
    r->own_cleanup = NULL;
    r->cleanup = &r->own_cleanup;
    r->out_start = out->len;
    r->arena_start = r->a->total;
    r->low_water = UINT64_MAX;
}

static void render_done(struct xf_render *r)
{
    for (struct cleanup *c = r->own_cleanup; c; c = c->next)
        c->fn(c->p);
    r->own_cleanup = NULL;
}

int xf_render_template(struct xf_buf *out, const struct xf_tmpl *t, const struct xf_render_env *env)
{
    struct xf_value v;
    return xf_render_value(&v, out, t, env);
}

int xf_render_value(struct xf_value *out, struct xf_buf *text, const struct xf_tmpl *t,
                    const struct xf_render_env *env)
{
    *out = xf_v_undef();
    struct xf_buf tmp = XF_BUF_INIT;
    if (!text)
        text = &tmp;
    if (t->plain) {
        for (uint32_t i = 0; i < t->body.n; i++)
            xf_buf_addstr(text, t->body.v[i]->u.text);
        xf_buf_release(&tmp);
        return 0;
    }
    struct xf_render r;
    render_init(&r, env, text, t->src);
    if (render_limits(&r) < 0) {
        xf_buf_release(&tmp);
        return -1;
    }
    r.scope = new_scope(&r, NULL);
    int rc = exec_body(&r, &t->body);
    if (rc < 0 && r.returning) {
        *out = r.retval;
        rc = 0;
    }
    render_done(&r);
    xf_buf_release(&tmp);
    return rc < 0 ? -1 : 0;
}

int xf_call_value(struct xf_value *out, const struct xf_value *fn, const struct xf_args *args,
                  const struct xf_render_env *env)
{
    struct xf_buf tmp = XF_BUF_INIT;
    struct xf_render r;
    render_init(&r, env, &tmp, NULL);
    if (render_limits(&r) < 0) {
        xf_buf_release(&tmp);
        return -1;
    }
    r.call_loc = env->call_loc;
    static const struct xf_args none = {0};
    int rc = xf_tpl_call_value(&r, out, fn, args ? args : &none, NULL);
    if (rc < 0 && r.returning) {
        *out = r.retval;
        rc = 0;
    }
    render_done(&r);
    xf_buf_release(&tmp);
    return rc;
}

struct xf_value xf_macro_value(struct xf_arena *a, const void *macro, const char *package)
{
    const struct macro *m = macro;
    struct xf_func *f = XF_ANEW(a, struct xf_func);
    f->name = m->name;
    f->data = (void *)m;
    if (package) {
        struct macro_ctx *ctx = XF_ANEW(a, struct macro_ctx);
        ctx->package = xf_arena_strdup(a, package);
        f->self = ctx;
    }
    return xf_v_func(f);
}

const char *xf_macro_name(const void *macro)
{
    return ((const struct macro *)macro)->name;
}

const char *xf_macro_package(const struct xf_value *fn)
{
    if (fn->t != XF_V_FUNC || fn->u.fn->fn || !fn->u.fn->self)
        return NULL;
    return ((const struct macro_ctx *)fn->u.fn->self)->package;
}

struct xf_arena *xf_render_arena(struct xf_render *r)
{
    return r->a;
}

void *xf_render_user(struct xf_render *r)
{
    return r->env->user;
}

const struct xf_render_env *xf_render_get_env(struct xf_render *r)
{
    return r->env;
}

int xf_render_error(struct xf_render *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vrerr_at(r, XF_SEV_ERROR, r->call_loc, fmt, ap);
    va_end(ap);
    return -1;
}

void xf_render_warn(struct xf_render *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vrerr_at(r, XF_SEV_WARNING, r->call_loc, fmt, ap);
    va_end(ap);
}

int xf_render_call(struct xf_render *r, struct xf_value *out, const struct xf_value *fn,
                   const struct xf_args *args)
{
    static const struct xf_args none = {0};
    return xf_tpl_call_value(r, out, fn, args ? args : &none,
                             fn->t == XF_V_FUNC ? fn->u.fn->name : NULL);
}

struct xf_loc xf_render_loc(struct xf_render *r)
{
    return r->call_loc;
}

struct xf_value xf_render_lookup(struct xf_render *r, struct xf_str name)
{
    const struct xf_value *v = lookup(r, name, xf_str_hash(name));
    return v ? *v : xf_v_undef();
}

const struct xf_value *xf_arg(const struct xf_args *args, size_t pos, const char *kw)
{
    if (pos < args->npos)
        return &args->pos[pos];
    if (kw) {
        for (size_t i = 0; i < args->nkw; i++) {
            if (xf_str_eqc(args->kwnames[i], kw))
                return &args->kwvals[i];
        }
    }
    return NULL;
}

int xf_tpl_bind_params(struct xf_render *r, const struct xf_value **p, const char *what,
                       const char *const *names, size_t nnames, const struct xf_args *args,
                       bool varargs)
{
    for (size_t i = 0; i < nnames; i++)
        p[i] = i < args->npos ? &args->pos[i] : NULL;
    if (args->npos > nnames && !varargs) {
        return xf_tpl_rerr_at(r, r->call_loc, "%s takes at most %zu argument%s (%zu given)", what,
                              nnames, plural(nnames), args->npos);
    }
    for (size_t k = 0; k < args->nkw; k++) {
        size_t i;
        for (i = 0; i < nnames; i++) {
            if (xf_str_eqc(args->kwnames[k], names[i]))
                break;
        }
        if (i == nnames) {
            if (varargs)
                continue;
            const char *sug = xf_tpl_suggest_close(args->kwnames[k], names, nnames);
            if (sug) {
                return xf_tpl_rerr_at(r, r->call_loc,
                                      "%s has no parameter '%.*s' (did you mean '%s'?)", what,
                                      XF_STR_ARG(args->kwnames[k]), sug);
            }
            return xf_tpl_rerr_at(r, r->call_loc, "%s has no parameter '%.*s'", what,
                                  XF_STR_ARG(args->kwnames[k]));
        }
        if (p[i]) {
            return xf_tpl_rerr_at(r, r->call_loc, "%s got multiple values for argument '%s'", what,
                                  names[i]);
        }
        p[i] = &args->kwvals[k];
    }
    return 0;
}
