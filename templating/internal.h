// SPDX-License-Identifier: MIT
/*
 * Private contract between the parts of the template engine: tokens, the
 * AST (expressions, statements, macros), the render state and the tables
 * of filters, tests and methods. Nothing here is visible outside
 * templating/.
 *
 * Every function and object declared here is named xf_tpl_*: as SQLite
 * names everything in its private sqliteInt.h sqlite3*, the library's own
 * xf_ keeps these symbols of libxform from clashing with anything linked
 * beside it (pcre2, jansson, sqlite3, a user's program), and "tpl" says at
 * a glance, in any file, that the function is the template engine's
 * private one, not its public API (xf_tmpl_*, xf_render_*, jinja.h).
 */
#ifndef XF_TEMPLATING_INTERNAL_H
#define XF_TEMPLATING_INTERNAL_H

#include <stdint.h>

#include "templating/jinja.h"
#include "util/vec.h"

/* ---- Tokens ---- */

enum tok_kind {
    TK_EOF,
    TK_DATA,
    TK_VAR_BEGIN,
    TK_VAR_END,
    TK_BLOCK_BEGIN,
    TK_BLOCK_END,
    TK_NAME,
    TK_STRING,
    TK_INT,
    TK_FLOAT,
    TK_OP,
};

/* Two-character operators get a one-character code. */
enum {
    OP_EQ = 'E',       /* == */
    OP_NE = 'N',       /* != */
    OP_LE = 'L',       /* <= */
    OP_GE = 'G',       /* >= */
    OP_FLOORDIV = 'D', /* // */
    OP_POW = 'P',      /* ** */
    OP_IN = 'i',       /* in (compare chains) */
    OP_NOTIN = 'n',    /* not in */
};

struct tok {
    uint8_t kind;
    char op;
    uint32_t off, len; /* span in the source text */
    struct xf_str s;   /* DATA text, NAME, STRING value (unescaped) */
    union {
        int64_t i;
        double f;
    } v;
};

struct toks {
    struct tok *v;
    size_t n, cap;
};

/* lexer.c: the whole template to tokens (data, tags, expression tokens). */
int xf_tpl_lex_template(struct toks *out, struct xf_arena *a, const struct xf_source *src,
                        size_t off, size_t len, struct xf_diags *diags);
/* Display form of a token for messages ("'}}'", "end of template"). */
const char *xf_tpl_tok_desc(struct xf_arena *a, const struct xf_source *src, const struct tok *t);

/* ---- Expressions ---- */

enum expr_kind {
    E_CONST,
    E_NAME,
    E_ATTR,
    E_ITEM,
    E_SLICE,
    E_CALL,
    E_FILTER,
    E_TEST,
    E_LIST,
    E_TUPLE,
    E_DICT,
    E_BIN, /* + - * / // % ** */
    E_AND,
    E_OR,
    E_NOT,
    E_NEG,
    E_POS,
    E_CMP,    /* chained comparison */
    E_COND,   /* a if c else b */
    E_CONCAT, /* a ~ b ~ c */
    E_SLOT,   /* the body text of a filter block / filtered set block */
};

struct expr;

struct callargs {
    struct expr **pos;
    struct xf_str *kwnames;
    struct expr **kwvals;
    uint32_t npos, nkw;
    struct expr *star, *dstar; /* *args, **kwargs at the call site */
};

struct cmp_op {
    char op;
    struct expr *e;
};

static const struct callargs no_callargs;
/* The arguments of a call, filter or test node (an empty set for NULL). */
#define ARGS(a) ((a) ? (a) : &no_callargs)

struct filter_def;
struct test_def;

struct expr {
    uint8_t kind;
    char op;
    uint16_t depth; /* height of the tree below; bounded so evaluation cannot overflow the stack */
    uint32_t off, len;
    union {
        struct xf_value k;
        struct {
            struct xf_str name;
            uint64_t hash;
        } name;
        struct {
            struct expr *obj;
            struct xf_str name;
        } attr;
        struct {
            struct expr *obj, *idx;
        } item;
        struct {
            struct expr *obj, *lo, *hi, *step;
        } slice;
        /* args: NULL when there are none (`|upper`, `is defined`); see ARGS() */
        struct {
            struct expr *fn;
            struct callargs *args;
        } call;
        struct {
            struct expr *val;
            const struct filter_def *def;
            struct callargs *args;
        } filter;
        struct {
            struct expr *val;
            const struct test_def *def;
            struct callargs *args;
            bool negate;
        } test;
        struct {
            struct expr **items; /* dict: key, value, key, value ... */
            uint32_t n;
        } list;
        struct {
            struct expr *a, *b;
        } bin;
        struct {
            struct expr *first;
            struct cmp_op *ops;
            uint32_t n;
        } cmp;
        struct {
            struct expr *cond, *then, *els;
        } cond;
    } u;
};

/* ---- Statements ---- */

enum stmt_kind {
    S_DATA,
    S_OUTPUT,
    S_IF,
    S_FOR,
    S_SET,
    S_SET_BLOCK,
    S_DO,
    S_MACRO,
    S_CALL,
    S_FILTER,
    S_BREAK,
    S_CONTINUE,
    S_WITH,
    S_NOP, /* docs / snapshot blocks: recorded, render nothing */
};

struct stmt;
struct body {
    struct stmt **v;
    uint32_t n;
};

enum target_kind { T_NAME, T_TUPLE, T_ATTR };

struct target {
    uint8_t kind;
    uint32_t off, len;
    struct xf_str name; /* T_NAME; T_ATTR: the attribute */
    uint64_t hash;
    struct target *items; /* T_TUPLE */
    uint32_t n;
    struct expr *obj; /* T_ATTR: the namespace */
};

struct param {
    struct xf_str name;
    uint64_t hash;
    struct expr *def; /* default value or NULL */
};

struct macro {
    const char *name; /* NUL-terminated, arena */
    const struct xf_source *src;
    uint32_t off, len; /* the opening tag */
    struct param *params;
    uint32_t nparams;
    struct body body;
    bool catch_varargs, catch_kwargs, uses_caller;
};

struct stmt {
    uint8_t kind;
    uint32_t off, len; /* the tag (or the {{ }}), for locations */
    union {
        struct xf_str text;
        struct expr *e;
        struct {
            struct expr **conds;
            struct body *bodies;
            uint32_t n;
            struct body els;
        } if_;
        struct {
            struct target tgt;
            struct expr *iter, *cond;
            struct body body, els;
            bool recursive; /* {% for ... recursive %}: loop(items) renders the body again */
        } for_;
        struct {
            struct target tgt;
            struct expr *e;
        } set;
        struct {
            struct target tgt;
            struct expr *filter; /* chain over E_SLOT, or NULL */
            struct body body;
        } setblock;
        struct macro *macro;
        struct {
            struct expr *call;
            struct macro *caller;
        } call;
        struct {
            struct expr *filter; /* chain over E_SLOT */
            struct body body;
        } filter;
        struct {
            struct target *tgts;
            struct expr **vals;
            uint32_t n;
            struct body body;
        } with;
    } u;
};

struct xf_tmpl {
    const struct xf_source *src;
    struct body body;
    const struct xf_block *blocks;
    size_t nblocks;
    bool plain;
};

/* ---- Render state ---- */

struct var {
    uint64_t hash;
    struct xf_str name;
    struct xf_value val;
};

struct scope {
    struct scope *parent;
    struct var *v;
    uint32_t n, cap;
    uint64_t epoch; /* xf_render.epoch when made (see exec_for) */
};

struct frame {
    struct frame *up;
    const char *what;   /* macro name */
    struct xf_loc call; /* where it was called */
};

struct cleanup {
    struct cleanup *next;
    void (*fn)(void *);
    void *p;
};

/* The closure of a macro value: its package and the scope it was defined in. */
struct macro_ctx {
    const char *package;
    struct scope *closure;
};

struct xf_render {
    const struct xf_render_env *env;
    struct xf_arena *a;
    struct xf_buf *out;
    const struct xf_source *src; /* source of the code being run */
    struct scope *scope;
    const struct xf_dict *pkg; /* names of the running macro's package */
    struct frame *frames;
    unsigned depth;         /* macro calls */
    unsigned edepth;        /* nested evaluations */
    struct xf_loc call_loc; /* the call being evaluated (for natives) */
    struct xf_value slot;   /* body of a filter block */
    bool returning;
    struct xf_value retval;
    struct cleanup **cleanup;
    struct cleanup *own_cleanup;
    /* Limits: see xf_tpl_render_reserve(). */
    size_t max_bytes;   /* per render: output text, one value, arena held */
    size_t out_start;   /* out->len when the render began */
    size_t arena_start; /* a->total when the render began */
    bool over;          /* a limit error was reported: stop at the next statement */
    /*
     * Loop iterations free their temporaries unless something may have
     * kept one: `epoch` counts iterations begun, `low_water` is the oldest
     * epoch written into since the current iteration began (0: unknown).
     */
    uint64_t epoch, low_water;
};

/* Something older than the current loop iteration may now point into it. */
static inline void xf_tpl_render_escape(struct xf_render *r, uint64_t epoch)
{
    if (epoch < r->low_water)
        r->low_water = epoch;
}

#define MAX_DEPTH 200
#define MAX_EVAL_DEPTH 3000

/* render.c */
int xf_tpl_rerr(struct xf_render *r, uint32_t off, uint32_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int xf_tpl_rerr_at(struct xf_render *r, struct xf_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int xf_tpl_call_value(struct xf_render *r, struct xf_value *out, const struct xf_value *fn,
                      const struct xf_args *args, const char *what);
void xf_tpl_render_defer(struct xf_render *r, void (*fn)(void *), void *p);
/* Iterable to list (list itself, dict keys, string characters). <0 error. */
int xf_tpl_to_list(struct xf_render *r, struct xf_value *out, const struct xf_value *v);
/* Attribute (obj.name): methods of builtin types bound, then items. */
int xf_tpl_get_attr(struct xf_render *r, struct xf_value *out, const struct xf_value *obj,
                    struct xf_str name);
/* Subscript (obj[key]). */
int xf_tpl_get_item(struct xf_render *r, struct xf_value *out, const struct xf_value *obj,
                    const struct xf_value *key);
/* Python ordering; <0 error reported, else *cmp set. */
int xf_tpl_compare_values(struct xf_render *r, int *cmp, const struct xf_value *a,
                          const struct xf_value *b, bool casefold);
/* Python's binary operators (+ - * / // % **) on two values. */
int xf_tpl_arith(struct xf_render *r, struct xf_value *out, char op, const struct xf_value *a,
                 const struct xf_value *b);
struct xf_value xf_tpl_str_value(struct xf_render *r, const struct xf_value *v);
/*
 * 0 when a value of n more bytes may be made; else reports a located
 * error at the call (over XFORM_MAX_RENDER_BYTES, or the render would hold
 * more than that), makes the render stop at its next statement, returns -1.
 * Called before anything whose size a template can multiply.
 */
int xf_tpl_render_reserve(struct xf_render *r, uint64_t n);
/* The printed size of v, roughly (stops counting past the limit). */
uint64_t xf_tpl_render_str_size(struct xf_render *r, const struct xf_value *v);
/* xf_tpl_render_reserve() for the printed form of v (lists print their items). */
int xf_tpl_render_reserve_str(struct xf_render *r, const struct xf_value *v);
/* xf_tpl_render_reserve() for str.replace(old, new, count) on s. */
int xf_tpl_render_reserve_replace(struct xf_render *r, struct xf_str s, struct xf_str old,
                                  struct xf_str new, int64_t count);
bool xf_tpl_is_callable(const struct xf_value *v);
/* A "did you mean" candidate, only when it is really close (or NULL). */
const char *xf_tpl_suggest_close(struct xf_str word, const char *const *cands, size_t n);
/* Python's type name for messages: 'int', 'str', 'NoneType', 'dict' ... */
const char *xf_tpl_py_tname(const struct xf_value *v);
/* An undefined value remembering why ("'dict' object has no attribute 'x'"). */
struct xf_value xf_tpl_undef_hint(struct xf_render *r, const struct xf_value *obj,
                                  struct xf_str attr, bool item);
struct xf_value xf_tpl_new_tuple(struct xf_arena *a, size_t n);
/* The entry holding a dict value (from xf_dict_get's pointer). */
struct xf_dict_ent *xf_tpl_dict_ent_of(struct xf_value *val);
/* Copies one entry (key, value and how the key prints) into d. */
void xf_tpl_dict_put_ent(struct xf_arena *a, struct xf_dict *d, const struct xf_dict_ent *e);
/* A dict key as a value: the string, or the number/bool/None it was written as. */
struct xf_value xf_tpl_dict_key(struct xf_render *r, const struct xf_dict_ent *e);
int xf_tpl_render_log(struct xf_render *r, const char *msg, bool info);

/* filters.c */
typedef int (*filter_fn)(struct xf_value *out, struct xf_render *r, const struct xf_value *v,
                         const struct xf_value **p, const struct xf_args *args);
struct filter_def {
    const char *name;
    filter_fn fn;
    const char *params[6];
    bool varargs; /* extra args allowed (format, map, select ...) */
};
const struct filter_def *xf_tpl_find_filter(struct xf_str name);
const char *xf_tpl_suggest_filter(struct xf_str name);
int xf_tpl_apply_filter(struct xf_render *r, struct xf_value *out, const struct filter_def *f,
                        const struct xf_value *v, const struct xf_args *args);

typedef int (*test_fn)(bool *out, struct xf_render *r, const struct xf_value *v,
                       const struct xf_args *args);
struct test_def {
    const char *name;
    test_fn fn;
    int nargs;
};
const struct test_def *xf_tpl_find_test(struct xf_str name);
const char *xf_tpl_suggest_test(struct xf_str name);
int xf_tpl_apply_test(struct xf_render *r, bool *out, const struct test_def *t,
                      const struct xf_value *v, const struct xf_args *args);

/* Sorts in place (stable), like Python's sorted with a key function. */
int xf_tpl_sort_values(struct xf_render *r, struct xf_value *items, size_t n, bool reverse,
                       bool case_sensitive, struct xf_str attribute);

/* Python's strip with optional chars (NULL/none: white space). */
struct xf_str xf_tpl_strip_chars(struct xf_str s, const struct xf_value *chars, bool left,
                                 bool right);
/* JSON text of a value through jansson (Python's json.dumps layout). */
int xf_tpl_dump_json(struct xf_render *r, struct xf_value *out, const struct xf_value *v,
                     int indent, bool sort_keys, bool htmlsafe);
extern const struct xf_obj_ops xf_tpl_namespace_ops;

enum case_mode { CASE_UPPER, CASE_LOWER, CASE_TITLE, CASE_JINJA_TITLE, CASE_CAPITALIZE, CASE_SWAP };
/* Case conversion with the common non-ASCII letters (Latin, Greek, Cyrillic). */
struct xf_value xf_tpl_case_convert(struct xf_render *r, struct xf_str s, enum case_mode mode);

/* methods.c: methods of strings, lists and dicts. 1 = no such method. */
int xf_tpl_call_method(struct xf_render *r, struct xf_value *out, const struct xf_value *self,
                       struct xf_str name, const struct xf_args *args);
bool xf_tpl_has_method(const struct xf_value *self, struct xf_str name);
/* Bound method value (obj.upper without the call). */
struct xf_value xf_tpl_bound_method(struct xf_render *r, const struct xf_value *self,
                                    struct xf_str name);

/* format.c: Python's '%' operator and str.format. */
int xf_tpl_py_percent_format(struct xf_render *r, struct xf_value *out, struct xf_str fmt,
                             const struct xf_value *args);
int xf_tpl_py_str_format(struct xf_render *r, struct xf_value *out, struct xf_str fmt,
                         const struct xf_args *args);

/* builtins.c, re.c, datetime.c */
struct class_method {
    const char *name;
    xf_native_fn fn;
};
/* A Python class (datetime, date, timedelta): callable, with class methods. */
struct pyclass {
    const char *name;
    xf_native_fn ctor;
    const struct class_method *methods; /* NULL-terminated */
};
extern const struct xf_obj_ops xf_tpl_class_ops;
/* A bound method value of an object (obj.strftime). */
struct xf_value xf_tpl_obj_method(struct xf_render *r, const struct xf_obj *o, xf_native_fn fn,
                                  const char *name);
struct xf_value xf_tpl_re_module(struct xf_arena *a);
/* Natives of builtins.c that keep nothing of a render (loops may free after them). */
bool xf_tpl_builtin_is_pure(xf_native_fn fn);
/* The native behind bound methods (obj.append): it notes its own writes. */
bool xf_tpl_is_bound_method_fn(xf_native_fn fn);
struct xf_value xf_tpl_datetime_module(struct xf_arena *a);
/* itertools.c: modules.itertools (chain, product, combinations, permutations). */
struct xf_value xf_tpl_itertools_module(struct xf_arena *a);
int xf_tpl_datetime_arith(struct xf_render *r, struct xf_value *out, char op,
                          const struct xf_value *a, const struct xf_value *b, bool *handled);
int xf_tpl_datetime_compare(const struct xf_value *a, const struct xf_value *b, int *cmp,
                            bool *handled);

/* Resolving call arguments against a parameter list (filters, methods, natives). */
int xf_tpl_bind_params(struct xf_render *r, const struct xf_value **p, const char *what,
                       const char *const *names, size_t nnames, const struct xf_args *args,
                       bool varargs);

/* utf-8 helpers */
size_t xf_tpl_utf8_len(struct xf_str s);
bool xf_tpl_utf8_is_ascii(struct xf_str s);

#endif
