// SPDX-License-Identifier: MIT
/*
 * xf_value: the dynamic value of the template engine, also used for
 * configuration, vars and YAML/JSON data converted at the edges. Values
 * are small (24 bytes) and passed by value; strings, lists, dicts and
 * objects they point to live in an arena. Dicts keep insertion order.
 */
#ifndef XF_UTIL_VALUE_H
#define XF_UTIL_VALUE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/map.h"
#include "util/str.h"

enum xf_vtype {
    XF_V_UNDEF, /* an undefined name or missing attribute */
    XF_V_NONE,
    XF_V_BOOL,
    XF_V_INT,
    XF_V_FLOAT,
    XF_V_STR,
    XF_V_LIST, /* lists and tuples */
    XF_V_DICT,
    XF_V_FUNC, /* native function or macro */
    XF_V_OBJ,  /* object with an ops table (relation, loop, namespace ...) */
};

struct xf_value;
struct xf_render; /* templating/: the render in progress */

struct xf_list {
    struct xf_value *items;
    size_t n, cap;
    bool tuple;
};

struct xf_dict_ent;
struct xf_dict {
    struct xf_dict_ent *ents;
    size_t n, cap;
    struct xf_map *index; /* key -> entry index + 1, built when large */
};

/* Arguments of a call: positional, then keyword, then an optional caller. */
struct xf_args {
    const struct xf_value *pos;
    size_t npos;
    const struct xf_str *kwnames;
    const struct xf_value *kwvals;
    size_t nkw;
    const struct xf_value *caller; /* {% call %} body, or NULL */
};

struct xf_func;
/* Returns 0 with *out set, or <0 after reporting through the render. */
typedef int (*xf_native_fn)(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                            const struct xf_args *args);

struct xf_func {
    const char *name;
    xf_native_fn fn;  /* NULL for a template macro */
    void *data;       /* native: closure data; macro: templating's macro */
    const void *self; /* bound receiver for methods, or NULL */
};

struct xf_obj;
struct xf_obj_ops {
    const char *type_name;
    /* 0 found (*out set), 1 no such attribute, <0 error reported. */
    int (*getattr)(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                   struct xf_str name);
    /* Appends the string form ({{ obj }}). */
    void (*str)(struct xf_buf *out, const struct xf_obj *o);
    bool is_mapping; /* answers `is mapping` */
    /* Optional: the object is callable (dbt's `config(...)`). */
    int (*call)(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                const struct xf_args *args);
    /* Optional: `obj[key]` (a query result's rows, columns). 1 = no such item. */
    int (*getitem)(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                   const struct xf_value *key);
    /* Optional: iteration and length (a result table iterates its rows). */
    int (*iter)(struct xf_value *out_list, struct xf_render *r, const struct xf_obj *o);
};

struct xf_obj {
    const struct xf_obj_ops *ops;
    void *data;
};

struct xf_value {
    enum xf_vtype t;
    union {
        bool b;
        int64_t i;
        double f;
        struct xf_str s;
        struct xf_list *l;
        struct xf_dict *d;
        const struct xf_func *fn;
        const struct xf_obj *o;
    } u;
};

struct xf_dict_ent {
    struct xf_str key;
    struct xf_value val;
    /* The key was not a string in the template ({1: 'a'}): it is stored as
     * its text and printed without quotes, as Python prints it. */
    bool raw_key;
};

static inline struct xf_value xf_v_undef(void)
{
    return (struct xf_value){.t = XF_V_UNDEF};
}
static inline struct xf_value xf_v_none(void)
{
    return (struct xf_value){.t = XF_V_NONE};
}
static inline struct xf_value xf_v_bool(bool b)
{
    return (struct xf_value){.t = XF_V_BOOL, .u.b = b};
}
static inline struct xf_value xf_v_int(int64_t i)
{
    return (struct xf_value){.t = XF_V_INT, .u.i = i};
}
/* A double truncated toward zero into int64, saturating at the ends (NaN is
 * 0): a plain cast of an out-of-range double is undefined behaviour. */
static inline int64_t xf_f2i(double f)
{
    if (f != f)
        return 0;
    if (f >= 9223372036854775807.0)
        return INT64_MAX;
    if (f <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)f;
}
static inline struct xf_value xf_v_float(double f)
{
    return (struct xf_value){.t = XF_V_FLOAT, .u.f = f};
}
/* The slice is not copied: it must live as long as the value. */
static inline struct xf_value xf_v_str(struct xf_str s)
{
    return (struct xf_value){.t = XF_V_STR, .u.s = s};
}
static inline struct xf_value xf_v_strc(const char *s)
{
    return xf_v_str(xf_str_c(s));
}
static inline struct xf_value xf_v_func(const struct xf_func *fn)
{
    return (struct xf_value){.t = XF_V_FUNC, .u.fn = fn};
}
static inline struct xf_value xf_v_obj(const struct xf_obj *o)
{
    return (struct xf_value){.t = XF_V_OBJ, .u.o = o};
}
/* Copies the bytes into the arena. */
struct xf_value xf_v_strdup(struct xf_arena *a, struct xf_str s);
struct xf_value xf_v_list(struct xf_arena *a, size_t cap_hint);
struct xf_value xf_v_dict(struct xf_arena *a, size_t cap_hint);

void xf_list_push(struct xf_arena *a, struct xf_list *l, struct xf_value v);

/* Pointer to the value for key, or NULL. */
struct xf_value *xf_dict_get(const struct xf_dict *d, struct xf_str key);
static inline struct xf_value *xf_dict_getc(const struct xf_dict *d, const char *key)
{
    return xf_dict_get(d, xf_str_c(key));
}
/* Inserts or replaces (keeps the original position). Key is not copied. */
void xf_dict_set(struct xf_arena *a, struct xf_dict *d, struct xf_str key, struct xf_value v);
/* Removes key; true when it was there. */
bool xf_dict_del(struct xf_dict *d, struct xf_str key);

/* Jinja truthiness. */
bool xf_value_truthy(const struct xf_value *v);
/* Jinja equality (1 == 1.0, lists and dicts deep). */
bool xf_value_equal(const struct xf_value *a, const struct xf_value *b);
/* Name of the type for messages: "string", "integer", "list" ... */
const char *xf_value_type_name(const struct xf_value *v);

/*
 * Appends the string form, as `{{ v }}` prints it: strings raw, none as
 * "None", booleans "True"/"False", lists and dicts in Python repr form.
 */
void xf_value_str(struct xf_buf *out, const struct xf_value *v);
/* Python repr: strings quoted ('a'), used inside lists and dicts. */
void xf_value_repr(struct xf_buf *out, const struct xf_value *v);
/* The string form as a C string in a (a config value as text); NULL for
 * none and undefined. */
const char *xf_value_text(struct xf_arena *a, const struct xf_value *v);

/*
 * Deep copy into `a`: lists, dicts, keys and strings (NUL-terminated), so
 * the copy outlives the arena of the original. Objects and functions are
 * shared.
 */
struct xf_value xf_value_copy(struct xf_arena *a, const struct xf_value *v);

#endif
