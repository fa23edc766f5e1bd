// SPDX-License-Identifier: MIT
/*
 * The template engine: Jinja as dbt uses it. A template is parsed once
 * into an AST (xf_tmpl_parse) and rendered any number of times, on any
 * thread, each render with its own arena (xf_render_template). The engine
 * knows nothing of dbt: ref(), source(), config() and friends are native
 * functions the caller puts into the globals.
 */
#ifndef XF_TEMPLATING_JINJA_H
#define XF_TEMPLATING_JINJA_H

#include <stdbool.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/value.h"

struct xf_tmpl; /* a parsed template; lives in the arena given to parse */

enum xf_block_kind {
    XF_BLOCK_MACRO,
    XF_BLOCK_TEST,     /* {% test name(model, column_name) %} */
    XF_BLOCK_SNAPSHOT, /* {% snapshot name %} */
    XF_BLOCK_DOCS,     /* {% docs name %} */
    XF_BLOCK_MATERIALIZATION,
};

/*
 * A top-level block found while parsing, for the project loader. `name`
 * is the macro name dbt gives the block: "cents_to_dollars" for a macro,
 * "test_not_null" for {% test not_null %}, "materialization_table_default"
 * for {% materialization table, default %}; the name as written for
 * snapshot and docs blocks.
 */
struct xf_block {
    enum xf_block_kind kind;
    struct xf_str name;
    struct xf_loc loc;          /* the opening tag */
    struct xf_str body;         /* raw text between the tags (docs text) */
    const struct xf_tmpl *tmpl; /* the body as a template (snapshot) */
    const void *macro;          /* macro/test/materialization: pass to xf_macro_value() */
    struct xf_str text;         /* the whole block, opening to closing tag (macro_sql) */
};

/*
 * Parses src->text[off, off + len) as a template. As in Jinja with
 * keep_trailing_newline=True, the final newline is kept; "\r\n" in text
 * becomes "\n". Locations in the AST
 * and in diagnostics are offsets into src (so a template embedded in a
 * YAML file reports the YAML file's line and column). The AST and every
 * block live in `a`. Returns 0, or -1 after adding an error to diags.
 */
int xf_tmpl_parse(const struct xf_tmpl **out, struct xf_arena *a, const struct xf_source *src,
                  size_t off, size_t len, struct xf_diags *diags);

/* Top-level blocks of a parsed template, in source order. */
size_t xf_tmpl_blocks(const struct xf_tmpl *t, const struct xf_block **out);

/* True when the template text has no {{, {% or {# at all (render = copy). */
bool xf_tmpl_is_plain(const struct xf_tmpl *t);

/*
 * A callable value for a macro or test block found by xf_tmpl_parse.
 * `package` is the namespace it belongs to (project name or "dbt").
 * The function object is allocated in `a`.
 */
struct xf_value xf_macro_value(struct xf_arena *a, const void *macro, const char *package);
/* The name of a macro ("test_not_null" for a test block). */
const char *xf_macro_name(const void *macro);
/* The package given to xf_macro_value, or NULL (fn must be a macro value). */
const char *xf_macro_package(const struct xf_value *fn);

/*
 * Adds Jinja's and dbt's builtin globals to `globals`: range, dict,
 * namespace, zip, joiner, cycler, print, log, return, tojson, fromjson,
 * exceptions (raise_compiler_error, warn), modules (re, datetime). Values
 * live in `a`. The engine adds its own (ref, source, config ...) on top.
 */
void xf_jinja_builtins(struct xf_arena *a, struct xf_dict *globals);

/*
 * A timezone-aware (UTC) datetime object for a unix time, as Python's
 * datetime.now(timezone.utc): strftime, isoformat, year ... work on it.
 * Allocated in `a`. (dbt's run_started_at.)
 */
struct xf_value xf_jinja_datetime_utc(struct xf_arena *a, double unix_seconds);


/* Everything a render needs besides the template. */
struct xf_render_env {
    struct xf_arena *arena; /* output values and scratch; caller owns */
    /*
     * Read-only, shared between threads. Python's mutating methods
     * (list.append, dict.update ...) change lists and dicts in place, so
     * natives should hand templates copies (xf_value_copy) of shared
     * mutable values rather than the values in here.
     */
    const struct xf_dict *globals;
    const struct xf_dict *locals; /* per-render names (this, model ...) or NULL */
    void *user;                   /* for native functions: xf_render_user() */
    struct xf_diags *diags;       /* where errors go */
    /* A short label for the frames of errors ("model 'orders'"), or NULL. */
    const char *what;
    /* Optional: set to true when the render reads the clock (modules.datetime's
     * now, utcnow, today): its result can differ with no input changing. */
    bool *impure;
    /* log()/print() output; NULL drops it. `info` is log(msg, info=True). */
    void (*log)(void *user, const char *msg, bool info);
    /*
     * Optional: names that a macro of `package` (see xf_macro_value) sees
     * before the globals, for dbt's package-local macro resolution. NULL,
     * or returning NULL, means none.
     */
    const struct xf_dict *(*package_scope)(void *user, const char *package);
    /*
     * Optional: the hint for `x.y` where the name x is undefined, a
     * format with one %s for the name (dbt: a package not installed).
     */
    const char *namespace_hint;
    /*
     * dbt's parse-mode undefined: attributes, items and calls of an
     * undefined value give undefined instead of an error.
     */
    bool lenient_undefined;
    /*
     * Where the caller's own call of xf_call_value comes from (the YAML
     * test that calls a test macro), so that argument errors are located;
     * zero (no location) otherwise.
     */
    struct xf_loc call_loc;
    /*
     * The most one render may build: its text, any one value, and the
     * values it holds at once. 0: $XFORM_MAX_RENDER_BYTES, else 256 MiB.
     */
    size_t max_bytes;
    /* dbt's --warn-error: exceptions.warn() raises a compilation error */
    bool warn_error;
};

/*
 * Renders `t` and appends the text to `out`. Returns 0, or -1 after
 * adding an error (with file:line:col and macro call frames) to
 * env->diags. A `{{ return(x) }}` at top level ends the render early.
 */
int xf_render_template(struct xf_buf *out, const struct xf_tmpl *t,
                       const struct xf_render_env *env);

/*
 * Renders a template and returns the value passed to return(), if any
 * (*out is undefined when there was none). Used for macros like
 * generate_schema_name whose result is their text or return value.
 */
int xf_render_value(struct xf_value *out, struct xf_buf *text, const struct xf_tmpl *t,
                    const struct xf_render_env *env);

/*
 * Calls a callable value (macro or native) from C, e.g. the engine
 * calling generate_schema_name or a test macro. Macro output text becomes
 * a string value unless the macro called return().
 */
int xf_call_value(struct xf_value *out, const struct xf_value *fn, const struct xf_args *args,
                  const struct xf_render_env *env);

/* ---- For native functions, during a render ---- */

struct xf_arena *xf_render_arena(struct xf_render *r);
void *xf_render_user(struct xf_render *r);
const struct xf_render_env *xf_render_get_env(struct xf_render *r);
/* Reports an error at the current call site (with macro frames); returns -1. */
int xf_render_error(struct xf_render *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A warning at the current call site. */
void xf_render_warn(struct xf_render *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Calls a callable from inside a native (caller(), a dispatched macro). */
int xf_render_call(struct xf_render *r, struct xf_value *out, const struct xf_value *fn,
                   const struct xf_args *args);
/* Location of the call being evaluated (for dependency records). */
struct xf_loc xf_render_loc(struct xf_render *r);
/* Looks a name up as the template would (locals, then globals). */
struct xf_value xf_render_lookup(struct xf_render *r, struct xf_str name);

/* Argument helpers for natives: positional index or keyword name. */
const struct xf_value *xf_arg(const struct xf_args *args, size_t pos, const char *kw);

#endif
