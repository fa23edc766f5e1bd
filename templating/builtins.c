// SPDX-License-Identifier: MIT
/*
 * The builtin globals of Jinja and dbt that are not about a project:
 * range, dict, namespace, zip, joiner, cycler, print, log, return,
 * tojson, fromjson, exceptions.* and modules.* (re and datetime live in
 * their own files). All function objects are read-only statics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "templating/internal.h"
#include "util/hash.h"
#include "util/json.h"

#define NATIVE(name)                                                                               \
    static int name(struct xf_value *out, struct xf_render *r, const struct xf_func *self,         \
                    const struct xf_args *args)

struct xf_value xf_tpl_obj_method(struct xf_render *r, const struct xf_obj *o, xf_native_fn fn,
                                  const char *name)
{
    struct xf_func *f = XF_ANEW(r->a, struct xf_func);
    f->name = name;
    f->fn = fn;
    f->data = (void *)o;
    return xf_v_func(f);
}

/* ---- classes ---- */

static int class_getattr(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                         struct xf_str name)
{
    const struct pyclass *c = o->data;
    for (const struct class_method *m = c->methods; m && m->name; m++) {
        if (xf_str_eqc(name, m->name)) {
            *out = xf_tpl_obj_method(r, o, m->fn, m->name);
            return 0;
        }
    }
    return 1;
}

static int class_call(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                      const struct xf_args *args)
{
    const struct pyclass *c = o->data;
    struct xf_func f = {c->name, c->ctor, (void *)o, NULL};
    return c->ctor(out, r, &f, args);
}

static void class_str(struct xf_buf *out, const struct xf_obj *o)
{
    const struct pyclass *c = o->data;
    xf_buf_addf(out, "<class '%s'>", c->name);
}

const struct xf_obj_ops xf_tpl_class_ops = {
    .type_name = "class", .getattr = class_getattr, .str = class_str, .call = class_call};

/* ---- namespace ---- */

static int ns_getattr(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                      struct xf_str name)
{
    (void)r;
    const struct xf_value *v = xf_dict_get(o->data, name);
    if (!v)
        return 1;
    *out = *v;
    return 0;
}

static void ns_str(struct xf_buf *out, const struct xf_obj *o)
{
    struct xf_value d = {.t = XF_V_DICT, .u.d = o->data};
    xf_buf_adds(out, "<Namespace ");
    xf_value_repr(out, &d);
    xf_buf_addch(out, '>');
}

const struct xf_obj_ops xf_tpl_namespace_ops = {
    .type_name = "namespace", .getattr = ns_getattr, .str = ns_str};

static int fill_dict(struct xf_render *r, struct xf_dict *d, const struct xf_args *args,
                     const char *what)
{
    if (args->npos > 1)
        return xf_render_error(r, "%s() takes at most one positional argument", what);
    if (args->npos) {
        const struct xf_value *src = &args->pos[0];
        if (src->t == XF_V_DICT) {
            for (size_t i = 0; i < src->u.d->n; i++)
                xf_tpl_dict_put_ent(r->a, d, &src->u.d->ents[i]);
        } else if (src->t == XF_V_LIST) {
            for (size_t i = 0; i < src->u.l->n; i++) {
                const struct xf_value *pr = &src->u.l->items[i];
                if (pr->t != XF_V_LIST || pr->u.l->n != 2)
                    return xf_render_error(r, "%s() needs a dict or a list of pairs", what);
                struct xf_value k = xf_tpl_str_value(r, &pr->u.l->items[0]);
                xf_dict_set(r->a, d, k.u.s, pr->u.l->items[1]);
            }
        } else if (src->t == XF_V_OBJ && src->u.o->ops == &xf_tpl_namespace_ops) {
            const struct xf_dict *o = src->u.o->data;
            for (size_t i = 0; i < o->n; i++)
                xf_dict_set(r->a, d, o->ents[i].key, o->ents[i].val);
        } else if (src->t != XF_V_UNDEF && src->t != XF_V_NONE) {
            return xf_render_error(r, "%s() needs a dict, not %s", what, xf_tpl_py_tname(src));
        }
    }
    for (size_t i = 0; i < args->nkw; i++)
        xf_dict_set(r->a, d, args->kwnames[i], args->kwvals[i]);
    return 0;
}

NATIVE(bi_namespace)
{
    (void)self;
    struct xf_value d = xf_v_dict(r->a, args->nkw);
    if (fill_dict(r, d.u.d, args, "namespace") < 0)
        return -1;
    struct xf_obj *o = XF_ANEW(r->a, struct xf_obj);
    o->ops = &xf_tpl_namespace_ops;
    o->data = d.u.d;
    *out = xf_v_obj(o);
    return 0;
}

NATIVE(bi_dict)
{
    (void)self;
    *out = xf_v_dict(r->a, args->nkw);
    return fill_dict(r, out->u.d, args, "dict");
}

/* ---- range, zip ---- */

#define MAX_RANGE 100000

NATIVE(bi_range)
{
    (void)self;
    int64_t v[3] = {0, 0, 1};
    if (args->nkw)
        return xf_render_error(r, "range() takes no keyword arguments");
    if (args->npos < 1 || args->npos > 3)
        return xf_render_error(r, "range() takes 1 to 3 arguments (%zu given)", args->npos);
    for (size_t i = 0; i < args->npos; i++) {
        const struct xf_value *a = &args->pos[i];
        if (a->t != XF_V_INT && a->t != XF_V_BOOL)
            return xf_render_error(r, "range() needs integers, not %s", xf_tpl_py_tname(a));
    }
    int64_t a0 = args->pos[0].t == XF_V_INT ? args->pos[0].u.i : args->pos[0].u.b;
    if (args->npos == 1) {
        v[1] = a0;
    } else {
        v[0] = a0;
        v[1] = args->pos[1].t == XF_V_INT ? args->pos[1].u.i : args->pos[1].u.b;
        if (args->npos == 3)
            v[2] = args->pos[2].t == XF_V_INT ? args->pos[2].u.i : args->pos[2].u.b;
    }
    if (v[2] == 0)
        return xf_render_error(r, "range() step must not be zero");
    /* unsigned: the span of two int64 ends can pass INT64_MAX */
    uint64_t n = 0;
    if (v[2] > 0 && v[1] > v[0]) {
        uint64_t span = (uint64_t)v[1] - (uint64_t)v[0], st = (uint64_t)v[2];
        n = span / st + (span % st != 0);
    } else if (v[2] < 0 && v[1] < v[0]) {
        uint64_t span = (uint64_t)v[0] - (uint64_t)v[1], st = 0 - (uint64_t)v[2];
        n = span / st + (span % st != 0);
    }
    if (n > MAX_RANGE)
        return xf_render_error(r, "range() is too big (%llu items, at most %d)",
                               (unsigned long long)n, MAX_RANGE);
    *out = xf_v_list(r->a, (size_t)n);
    for (uint64_t i = 0; i < n; i++)
        out->u.l->items[i] = xf_v_int((int64_t)((uint64_t)v[0] + i * (uint64_t)v[2]));
    out->u.l->n = (size_t)n;
    return 0;
}

NATIVE(bi_zip)
{
    (void)self;
    if (args->nkw)
        return xf_render_error(r, "zip() takes no keyword arguments");
    struct xf_value *lists = XF_ANEWN(r->a, struct xf_value, args->npos + 1);
    size_t n = (size_t)-1;
    for (size_t i = 0; i < args->npos; i++) {
        if (xf_tpl_to_list(r, &lists[i], &args->pos[i]) < 0)
            return -1;
        if (lists[i].u.l->n < n)
            n = lists[i].u.l->n;
    }
    if (!args->npos)
        n = 0;
    *out = xf_v_list(r->a, n);
    for (size_t k = 0; k < n; k++) {
        struct xf_value t = xf_tpl_new_tuple(r->a, args->npos);
        for (size_t i = 0; i < args->npos; i++)
            xf_list_push(r->a, t.u.l, lists[i].u.l->items[k]);
        xf_list_push(r->a, out->u.l, t);
    }
    return 0;
}

/*
 * set(iterable): Python's set as dbt packages use it (membership, length,
 * iteration, equality). It is a list of the distinct items in sorted
 * order, so two sets of the same items compare equal whatever order they
 * were built in.
 */
/* The distinct items of a list, sorted (see bi_set). */
static int make_set(struct xf_render *r, struct xf_value *out, const struct xf_value *from)
{
    struct xf_value l = xf_v_list(r->a, 0);
    if (from && xf_tpl_to_list(r, &l, from) < 0)
        return -1;
    *out = xf_v_list(r->a, l.u.l->n);
    for (size_t i = 0; i < l.u.l->n; i++) {
        /* insertion sort: sets in templates are small */
        size_t at = out->u.l->n;
        bool dup = false;
        for (size_t k = 0; k < out->u.l->n && !dup; k++) {
            int c;
            if (xf_tpl_compare_values(r, &c, &l.u.l->items[i], &out->u.l->items[k], false) < 0)
                return -1;
            if (c == 0)
                dup = true;
            else if (c < 0 && at == out->u.l->n)
                at = k;
        }
        if (dup)
            continue;
        xf_list_push(r->a, out->u.l, l.u.l->items[i]);
        struct xf_value *it = out->u.l->items;
        struct xf_value x = it[out->u.l->n - 1];
        memmove(&it[at + 1], &it[at], (out->u.l->n - 1 - at) * sizeof *it);
        it[at] = x;
    }
    return 0;
}

static bool iterable(const struct xf_value *v)
{
    return v->t == XF_V_LIST || v->t == XF_V_DICT || v->t == XF_V_STR;
}

/* dbt's set(value, default=None): the default when value cannot be a set. */
NATIVE(bi_set)
{
    (void)self;
    static const char *const names[] = {"value", "default"};
    const struct xf_value *p[2];
    if (xf_tpl_bind_params(r, p, "set", names, 2, args, false) < 0)
        return -1;
    if (p[0] && !iterable(p[0])) {
        *out = p[1] ? *p[1] : xf_v_none();
        return 0;
    }
    return make_set(r, out, p[0]);
}

/* dbt's set_strict(value): a value that cannot be a set is an error. */
NATIVE(bi_set_strict)
{
    (void)self;
    static const char *const names[] = {"value"};
    const struct xf_value *p[1];
    if (xf_tpl_bind_params(r, p, "set_strict", names, 1, args, false) < 0)
        return -1;
    if (!p[0])
        return xf_render_error(r, "set_strict() needs a value");
    if (!iterable(p[0]))
        return xf_render_error(r, "set_strict(): '%s' object is not iterable",
                               xf_tpl_py_tname(p[0]));
    return make_set(r, out, p[0]);
}

/* dbt's local_md5(string): the md5 hex digest of its text. */
NATIVE(bi_local_md5)
{
    (void)self;
    const struct xf_value *v = xf_arg(args, 0, "value");
    if (!v)
        return xf_render_error(r, "local_md5() needs a string");
    struct xf_value sv = xf_tpl_str_value(r, v);
    char hex[33];
    xf_md5_hex(hex, sv.u.s.p, sv.u.s.len);
    *out = xf_v_str((struct xf_str){xf_arena_strndup(r->a, hex, 32), 32});
    return 0;
}

/* ---- joiner, cycler ---- */

struct joiner {
    struct xf_value sep;
    bool used;
};

NATIVE(joiner_call)
{
    (void)r;
    (void)args;
    struct joiner *j = self->data;
    if (!j->used) {
        j->used = true;
        *out = xf_v_str(XF_STR(""));
    } else {
        *out = j->sep;
    }
    return 0;
}

NATIVE(bi_joiner)
{
    (void)self;
    const struct xf_value *sep = xf_arg(args, 0, "sep");
    struct joiner *j = XF_ANEW(r->a, struct joiner);
    j->sep = sep ? xf_tpl_str_value(r, sep) : xf_v_str(XF_STR(", "));
    struct xf_func *f = XF_ANEW(r->a, struct xf_func);
    f->name = "joiner";
    f->fn = joiner_call;
    f->data = j;
    *out = xf_v_func(f);
    return 0;
}

struct cycler {
    const struct xf_value *items;
    size_t n, pos;
};

NATIVE(cycler_next)
{
    (void)r;
    (void)args;
    const struct xf_obj *o = self->data;
    struct cycler *c = o->data;
    *out = c->items[c->pos];
    c->pos = (c->pos + 1) % c->n;
    return 0;
}

NATIVE(cycler_reset)
{
    (void)r;
    (void)args;
    const struct xf_obj *o = self->data;
    struct cycler *c = o->data;
    c->pos = 0;
    *out = xf_v_none();
    return 0;
}

static int cycler_getattr(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                          struct xf_str name)
{
    struct cycler *c = o->data;
    if (xf_str_eqc(name, "current"))
        *out = c->items[c->pos];
    else if (xf_str_eqc(name, "next"))
        *out = xf_tpl_obj_method(r, o, cycler_next, "next");
    else if (xf_str_eqc(name, "reset"))
        *out = xf_tpl_obj_method(r, o, cycler_reset, "reset");
    else
        return 1;
    return 0;
}

static const struct xf_obj_ops cycler_ops = {.type_name = "cycler", .getattr = cycler_getattr};

NATIVE(bi_cycler)
{
    (void)self;
    if (!args->npos)
        return xf_render_error(r, "cycler() needs at least one item");
    struct cycler *c = XF_ANEW(r->a, struct cycler);
    struct xf_value *items = XF_ANEWN(r->a, struct xf_value, args->npos);
    memcpy(items, args->pos, args->npos * sizeof *items);
    c->items = items;
    c->n = args->npos;
    struct xf_obj *o = XF_ANEW(r->a, struct xf_obj);
    o->ops = &cycler_ops;
    o->data = c;
    *out = xf_v_obj(o);
    return 0;
}

/* ---- print, log, return ---- */

NATIVE(bi_print)
{
    (void)self;
    size_t mark = r->out->len;
    for (size_t i = 0; i < args->npos; i++) {
        if (i)
            xf_buf_addch(r->out, ' ');
        xf_value_str(r->out, &args->pos[i]);
    }
    char *msg = xf_arena_strndup(r->a, r->out->ptr + mark, r->out->len - mark);
    xf_buf_setlen(r->out, mark);
    xf_tpl_render_log(r, msg, true);
    *out = xf_v_str(XF_STR(""));
    return 0;
}

NATIVE(bi_log)
{
    (void)self;
    const struct xf_value *msg = xf_arg(args, 0, "msg");
    const struct xf_value *info = xf_arg(args, 1, "info");
    struct xf_value s = msg ? xf_tpl_str_value(r, msg) : xf_v_str(XF_STR(""));
    xf_tpl_render_log(r, xf_arena_strdups(r->a, s.u.s), info && xf_value_truthy(info));
    *out = xf_v_str(XF_STR(""));
    return 0;
}

NATIVE(bi_return)
{
    (void)self;
    const struct xf_value *v = xf_arg(args, 0, "value");
    r->retval = v ? *v : xf_v_none();
    r->returning = true;
    *out = r->retval;
    return -1; /* unwinds to the macro call, which catches it */
}

/* ---- JSON ---- */

NATIVE(bi_tojson)
{
    (void)self;
    const struct xf_value *v = xf_arg(args, 0, "value");
    const struct xf_value *sk = xf_arg(args, 2, "sort_keys");
    if (!v)
        return xf_render_error(r, "tojson() needs a value");
    return xf_tpl_dump_json(r, out, v, 0, sk && xf_value_truthy(sk), false);
}

NATIVE(bi_fromjson)
{
    (void)self;
    const struct xf_value *s = xf_arg(args, 0, "string");
    const struct xf_value *def = xf_arg(args, 1, "default");
    if (!s || s->t != XF_V_STR) {
        *out = def ? *def : xf_v_none();
        return 0;
    }
    json_error_t err;
    json_t *j = json_loadb(s->u.s.p, s->u.s.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!j) {
        *out = def ? *def : xf_v_none();
        return 0;
    }
    *out = xf_value_from_json(r->a, j);
    json_decref(j);
    return 0;
}

/* ---- exceptions ---- */

static struct xf_value msg_of(struct xf_render *r, const struct xf_args *args)
{
    const struct xf_value *m = xf_arg(args, 0, "msg");
    return m ? xf_tpl_str_value(r, m) : xf_v_str(XF_STR(""));
}

NATIVE(ex_raise_compiler_error)
{
    (void)self;
    (void)out;
    struct xf_value m = msg_of(r, args);
    return xf_render_error(r, "%.*s", XF_STR_ARG(m.u.s));
}

NATIVE(ex_raise_not_implemented)
{
    (void)self;
    (void)out;
    struct xf_value m = msg_of(r, args);
    return xf_render_error(r, "not implemented: %.*s", XF_STR_ARG(m.u.s));
}

NATIVE(ex_warn)
{
    (void)self;
    struct xf_value m = msg_of(r, args);
    if (xf_render_get_env(r)->warn_error)
        return xf_render_error(r, "%.*s", XF_STR_ARG(m.u.s));
    xf_render_warn(r, "%.*s", XF_STR_ARG(m.u.s));
    *out = xf_v_str(XF_STR(""));
    return 0;
}

static const struct xf_func f_range = {"range", bi_range, NULL, NULL};
static const struct xf_func f_dict = {"dict", bi_dict, NULL, NULL};
static const struct xf_func f_namespace = {"namespace", bi_namespace, NULL, NULL};
static const struct xf_func f_zip = {"zip", bi_zip, NULL, NULL};
static const struct xf_func f_set = {"set", bi_set, NULL, NULL};
static const struct xf_func f_set_strict = {"set_strict", bi_set_strict, NULL, NULL};
static const struct xf_func f_local_md5 = {"local_md5", bi_local_md5, NULL, NULL};
static const struct xf_func f_joiner = {"joiner", bi_joiner, NULL, NULL};
static const struct xf_func f_cycler = {"cycler", bi_cycler, NULL, NULL};
static const struct xf_func f_print = {"print", bi_print, NULL, NULL};
static const struct xf_func f_log = {"log", bi_log, NULL, NULL};
static const struct xf_func f_return = {"return", bi_return, NULL, NULL};
static const struct xf_func f_tojson = {"tojson", bi_tojson, NULL, NULL};
static const struct xf_func f_fromjson = {"fromjson", bi_fromjson, NULL, NULL};
static const struct xf_func f_raise = {"raise_compiler_error", ex_raise_compiler_error, NULL, NULL};
static const struct xf_func f_not_impl = {"raise_not_implemented", ex_raise_not_implemented, NULL,
                                          NULL};
static const struct xf_func f_warn = {"warn", ex_warn, NULL, NULL};

static void setc(struct xf_arena *a, struct xf_dict *d, const char *k, struct xf_value v)
{
    xf_dict_set(a, d, xf_str_c(k), v);
}

void xf_jinja_builtins(struct xf_arena *a, struct xf_dict *g)
{
    setc(a, g, "range", xf_v_func(&f_range));
    setc(a, g, "dict", xf_v_func(&f_dict));
    setc(a, g, "namespace", xf_v_func(&f_namespace));
    setc(a, g, "zip", xf_v_func(&f_zip));
    setc(a, g, "set", xf_v_func(&f_set));
    setc(a, g, "set_strict", xf_v_func(&f_set_strict));
    setc(a, g, "local_md5", xf_v_func(&f_local_md5));
    setc(a, g, "joiner", xf_v_func(&f_joiner));
    setc(a, g, "cycler", xf_v_func(&f_cycler));
    setc(a, g, "print", xf_v_func(&f_print));
    setc(a, g, "log", xf_v_func(&f_log));
    setc(a, g, "return", xf_v_func(&f_return));
    setc(a, g, "tojson", xf_v_func(&f_tojson));
    setc(a, g, "fromjson", xf_v_func(&f_fromjson));
    struct xf_value ex = xf_v_dict(a, 4);
    setc(a, ex.u.d, "raise_compiler_error", xf_v_func(&f_raise));
    setc(a, ex.u.d, "raise_not_implemented", xf_v_func(&f_not_impl));
    setc(a, ex.u.d, "warn", xf_v_func(&f_warn));
    setc(a, g, "exceptions", ex);
    struct xf_value mods = xf_v_dict(a, 2);
    setc(a, mods.u.d, "re", xf_tpl_re_module(a));
    setc(a, mods.u.d, "datetime", xf_tpl_datetime_module(a));
    setc(a, mods.u.d, "itertools", xf_tpl_itertools_module(a));
    setc(a, g, "modules", mods);
}

bool xf_tpl_builtin_is_pure(xf_native_fn fn)
{
    /* they make new values or change only numbers and flags of their own objects */
    static const xf_native_fn pure[] = {
        bi_namespace,
        bi_dict,
        bi_range,
        bi_zip,
        bi_local_md5,
        joiner_call,
        bi_joiner,
        cycler_next,
        cycler_reset,
        bi_cycler,
        bi_print,
        bi_log,
        bi_return,
        bi_tojson,
        bi_fromjson,
        ex_raise_compiler_error,
        ex_raise_not_implemented,
    };
    for (size_t i = 0; i < sizeof pure / sizeof *pure; i++) {
        if (pure[i] == fn)
            return true;
    }
    return false;
}
