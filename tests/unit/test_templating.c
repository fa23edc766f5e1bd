// SPDX-License-Identifier: MIT
/*
 * Unit tests of the template engine's C API: top-level blocks, natives
 * and their call sites, calling macros from C, return values, templates
 * embedded in bigger files, the env hooks (log, package scope, lenient
 * undefined), engine objects, and two threads rendering one template.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "templating/jinja.h"

struct fixture {
    struct xf_arena a;
    struct xf_diags diags;
    struct xf_value globals;
    struct xf_buf out;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    xf_arena_init(&f->a);
    xf_diags_init(&f->diags);
    f->globals = xf_v_dict(&f->a, 8);
    xf_jinja_builtins(&f->a, f->globals.u.d);
    xf_buf_init(&f->out, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    xf_buf_release(&f->out);
    xf_diags_release(&f->diags);
    xf_arena_release(&f->a);
    free(f);
    return 0;
}

static struct xf_render_env env_of(struct fixture *f)
{
    return (struct xf_render_env){.arena = &f->a, .globals = f->globals.u.d, .diags = &f->diags};
}

static const struct xf_tmpl *parse(struct fixture *f, const struct xf_source *src)
{
    const struct xf_tmpl *t = NULL;
    assert_int_equal(xf_tmpl_parse(&t, &f->a, src, 0, src->len, &f->diags), 0);
    assert_non_null(t);
    return t;
}

/* The first diagnostic, formatted without colour (static buffer). */
static const char *first_diag(struct fixture *f)
{
    static char text[4096];
    struct xf_buf b = XF_BUF_INIT;
    if (f->diags.head)
        xf_diag_format(&b, f->diags.head, false);
    snprintf(text, sizeof text, "%s", b.ptr);
    xf_buf_release(&b);
    return text;
}

static void test_blocks(void **state)
{
    struct fixture *f = *state;
    static const char text[] =
        "{% macro cents(col, scale=2) %}({{ col }} / 100)::numeric(16, {{ scale }}){% endmacro %}\n"
        "{% test not_null(model, column_name) %}select 1{% endtest %}\n"
        "{% materialization table, adapter='sqlite' %}m{% endmaterialization %}\n"
        "{% snapshot orders_snap %}select * from {{ x }}{% endsnapshot %}\n"
        "{% docs orders %}The **orders** table.{% enddocs %}\n"
        "{% if true %}{% macro nested() %}{% endmacro %}{% endif %}\n";
    struct xf_source src = {"macros/m.sql", text, sizeof text - 1};
    const struct xf_tmpl *t = parse(f, &src);
    const struct xf_block *b;
    size_t n = xf_tmpl_blocks(t, &b);
    assert_int_equal(n, 5); /* the nested macro is not a top-level block */
    assert_int_equal(b[0].kind, XF_BLOCK_MACRO);
    assert_true(xf_str_eqc(b[0].name, "cents"));
    assert_int_equal(b[0].loc.off, 0);
    assert_true(xf_str_starts(b[0].text, "{% macro cents"));
    assert_true(xf_str_ends(b[0].text, "{% endmacro %}"));
    assert_true(xf_str_eqc(b[0].body, "({{ col }} / 100)::numeric(16, {{ scale }})"));
    assert_string_equal(xf_macro_name(b[0].macro), "cents");
    assert_int_equal(b[1].kind, XF_BLOCK_TEST);
    assert_true(xf_str_eqc(b[1].name, "test_not_null"));
    assert_non_null(b[1].macro);
    assert_int_equal(b[2].kind, XF_BLOCK_MATERIALIZATION);
    assert_true(xf_str_eqc(b[2].name, "materialization_table_sqlite"));
    assert_int_equal(b[3].kind, XF_BLOCK_SNAPSHOT);
    assert_true(xf_str_eqc(b[3].name, "orders_snap"));
    assert_non_null(b[3].tmpl);
    assert_false(xf_tmpl_is_plain(b[3].tmpl));
    assert_int_equal(b[4].kind, XF_BLOCK_DOCS);
    assert_true(xf_str_eqc(b[4].body, "The **orders** table."));
    assert_null(b[4].macro);

    /* the snapshot body renders as its own template */
    xf_dict_set(&f->a, f->globals.u.d, XF_STR("x"), xf_v_strc("raw.orders"));
    struct xf_render_env env = env_of(f);
    assert_int_equal(xf_render_template(&f->out, b[3].tmpl, &env), 0);
    assert_string_equal(f->out.ptr, "select * from raw.orders");

    /* the macro called from C, with a keyword argument */
    struct xf_value fn = xf_macro_value(&f->a, b[0].macro, "my_project");
    assert_string_equal(xf_macro_package(&fn), "my_project");
    struct xf_value pos = xf_v_strc("amount");
    struct xf_str kwn = XF_STR("scale");
    struct xf_value kwv = xf_v_int(4);
    struct xf_args args = {.pos = &pos, .npos = 1, .kwnames = &kwn, .kwvals = &kwv, .nkw = 1};
    struct xf_value res;
    assert_int_equal(xf_call_value(&res, &fn, &args, &env), 0);
    assert_int_equal(res.t, XF_V_STR);
    assert_true(xf_str_eqc(res.u.s, "(amount / 100)::numeric(16, 4)"));
    assert_int_equal(f->diags.nerrors, 0);
}

static void test_plain(void **state)
{
    struct fixture *f = *state;
    static const char text[] = "select 1\n";
    struct xf_source src = {"a.sql", text, sizeof text - 1};
    const struct xf_tmpl *t = parse(f, &src);
    assert_true(xf_tmpl_is_plain(t));
    struct xf_render_env env = env_of(f);
    assert_int_equal(xf_render_template(&f->out, t, &env), 0);
    assert_string_equal(f->out.ptr, "select 1\n");
    static const char text2[] = "select 1 {# note #}\n";
    struct xf_source src2 = {"b.sql", text2, sizeof text2 - 1};
    assert_false(xf_tmpl_is_plain(parse(f, &src2)));
}

/* ref('name') -> "main.name", recording the call site. */
struct refs {
    int calls;
    struct xf_loc last;
};

static int native_ref(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                      const struct xf_args *args)
{
    (void)self;
    struct refs *refs = xf_render_user(r);
    const struct xf_value *name = xf_arg(args, 0, "name");
    if (!name || name->t != XF_V_STR)
        return xf_render_error(r, "ref() needs a model name");
    refs->calls++;
    refs->last = xf_render_loc(r);
    if (xf_str_eqc(name->u.s, "nope"))
        return xf_render_error(r, "model '%.*s' not found", XF_STR_ARG(name->u.s));
    struct xf_value this = xf_render_lookup(r, XF_STR("schema"));
    char *s = xf_arena_printf(xf_render_arena(r), "%.*s.%.*s", XF_STR_ARG(this.u.s),
                              XF_STR_ARG(name->u.s));
    *out = xf_v_strc(s);
    return 0;
}

static const struct xf_func ref_fn = {"ref", native_ref, NULL, NULL};

static void test_natives(void **state)
{
    struct fixture *f = *state;
    static const char text[] = "select *\nfrom {{ ref('orders') }} join {{ ref(name='items') }}\n";
    struct xf_source src = {"models/a.sql", text, sizeof text - 1};
    const struct xf_tmpl *t = parse(f, &src);
    xf_dict_set(&f->a, f->globals.u.d, XF_STR("ref"), xf_v_func(&ref_fn));
    struct xf_value locals = xf_v_dict(&f->a, 2);
    xf_dict_set(&f->a, locals.u.d, XF_STR("schema"), xf_v_strc("main"));
    struct refs refs = {0};
    struct xf_render_env env = env_of(f);
    env.locals = locals.u.d;
    env.user = &refs;
    assert_int_equal(xf_render_template(&f->out, t, &env), 0);
    assert_string_equal(f->out.ptr, "select *\nfrom main.orders join main.items\n");
    assert_int_equal(refs.calls, 2);
    /* the call site is the whole call expression */
    assert_ptr_equal(refs.last.src, &src);
    assert_int_equal(refs.last.off, strstr(text, "ref(name") - text);
    assert_int_equal(refs.last.len, strlen("ref(name='items')"));

    /* an error from a native is located at its call, with the render's label */
    static const char bad[] = "select 1\nfrom {{ ref('nope') }}\n";
    struct xf_source bsrc = {"models/b.sql", bad, sizeof bad - 1};
    const struct xf_tmpl *bt = parse(f, &bsrc);
    env.what = "model 'b'";
    xf_buf_reset(&f->out);
    assert_int_equal(xf_render_template(&f->out, bt, &env), -1);
    assert_string_equal(first_diag(f), "models/b.sql:2:9: error: model 'nope' not found\n"
                                       " 2 | from {{ ref('nope') }}\n"
                                       "   |         ^~~~~~~~~~~\n"
                                       "  in model 'b'\n");
}

static void test_macro_frames(void **state)
{
    struct fixture *f = *state;
    static const char mtext[] = "{% macro inner(x) %}{{ x.y.z }}{% endmacro %}\n"
                                "{% macro outer() %}\n  {{ inner({}) }}{% endmacro %}\n";
    struct xf_source msrc = {"macros/m.sql", mtext, sizeof mtext - 1};
    const struct xf_tmpl *mt = parse(f, &msrc);
    const struct xf_block *b;
    assert_int_equal(xf_tmpl_blocks(mt, &b), 2);
    for (int i = 0; i < 2; i++)
        xf_dict_set(&f->a, f->globals.u.d, b[i].name, xf_macro_value(&f->a, b[i].macro, NULL));
    static const char text[] = "{{ outer() }}";
    struct xf_source src = {"models/a.sql", text, sizeof text - 1};
    const struct xf_tmpl *t = parse(f, &src);
    struct xf_render_env env = env_of(f);
    assert_int_equal(xf_render_template(&f->out, t, &env), -1);
    assert_string_equal(first_diag(f),
                        "macros/m.sql:1:24: error: 'dict' object has no attribute 'y'\n"
                        " 1 | {% macro inner(x) %}{{ x.y.z }}{% endmacro %}\n"
                        "   |                        ^~~\n"
                        "  in macro 'inner' called from macros/m.sql:3:6\n"
                        "  in macro 'outer' called from models/a.sql:1:4\n");
}

static void test_return_value(void **state)
{
    struct fixture *f = *state;
    static const char text[] = "{% macro pick(xs) %}{% for x in xs %}{% if x > 1 %}{{ return(x * "
                               "10) }}{% endif %}{% endfor %}none{% endmacro %}"
                               "a{{ return({'k': pick([1, 2, 3])}) }}b";
    struct xf_source src = {"a.sql", text, sizeof text - 1};
    const struct xf_tmpl *t = parse(f, &src);
    struct xf_render_env env = env_of(f);
    struct xf_value v;
    assert_int_equal(xf_render_value(&v, &f->out, t, &env), 0);
    assert_string_equal(f->out.ptr, "a");
    assert_int_equal(v.t, XF_V_DICT);
    const struct xf_value *k = xf_dict_getc(v.u.d, "k");
    assert_non_null(k);
    assert_int_equal(k->t, XF_V_INT);
    assert_int_equal(k->u.i, 20);

    /* without return() the value is undefined and the text is the output */
    static const char text2[] = "x{{ 1 + 1 }}";
    struct xf_source src2 = {"b.sql", text2, sizeof text2 - 1};
    xf_buf_reset(&f->out);
    assert_int_equal(xf_render_value(&v, &f->out, parse(f, &src2), &env), 0);
    assert_int_equal(v.t, XF_V_UNDEF);
    assert_string_equal(f->out.ptr, "x2");
}

static void test_embedded_slice(void **state)
{
    struct fixture *f = *state;
    /* a template that is one value inside a YAML file */
    static const char yaml[] =
        "models:\n  - name: a\n    description: \"{{ doc('a') }} and {{ nope.x }}\"\n";
    struct xf_source src = {"models/schema.yml", yaml, sizeof yaml - 1};
    const char *start = strchr(yaml, '"') + 1;
    size_t off = (size_t)(start - yaml), len = (size_t)(strrchr(yaml, '"') - start);
    const struct xf_tmpl *t;
    assert_int_equal(xf_tmpl_parse(&t, &f->a, &src, off, len, &f->diags), 0);
    struct xf_render_env env = env_of(f);
    env.lenient_undefined = true; /* parse mode: doc() is not defined, nope.x is undefined */
    assert_int_equal(xf_render_template(&f->out, t, &env), 0);
    assert_string_equal(f->out.ptr, " and ");
    env.lenient_undefined = false;
    xf_buf_reset(&f->out);
    assert_int_equal(xf_render_template(&f->out, t, &env), -1);
    assert_string_equal(first_diag(f), "models/schema.yml:3:22: error: 'doc' is undefined\n"
                                       " 3 |     description: \"{{ doc('a') }} and {{ nope.x }}\"\n"
                                       "   |                      ^~~\n");
    /* a syntax error in the slice is located in the file too */
    static const char yaml2[] = "a: 1\nb: \"{{ x + }}\"\n";
    struct xf_source src2 = {"x.yml", yaml2, sizeof yaml2 - 1};
    struct xf_diags d2;
    xf_diags_init(&d2);
    assert_int_equal(xf_tmpl_parse(&t, &f->a, &src2, 9, 10, &d2), -1);
    struct xf_buf b = XF_BUF_INIT;
    xf_diag_format(&b, d2.head, false);
    assert_string_equal(b.ptr, "x.yml:2:12: error: expected an expression, got '}}'\n"
                               " 2 | b: \"{{ x + }}\"\n"
                               "   |            ^~\n");
    xf_buf_release(&b);
    xf_diags_release(&d2);
}

struct logbook {
    char text[256];
    int infos;
};

static void log_cb(void *user, const char *msg, bool info)
{
    struct logbook *lb = user;
    strncat(lb->text, msg, sizeof lb->text - strlen(lb->text) - 2);
    strcat(lb->text, "|");
    lb->infos += info;
}

static void test_log_and_warn(void **state)
{
    struct fixture *f = *state;
    static const char text[] =
        "{{ log('quiet') }}{{ log('loud', info=true) }}{% do print('p', 1) %}"
        "{{ exceptions.warn('careful') }}ok";
    struct xf_source src = {"a.sql", text, sizeof text - 1};
    const struct xf_tmpl *t = parse(f, &src);
    struct logbook lb = {{0}, 0};
    struct xf_render_env env = env_of(f);
    env.user = &lb;
    env.log = log_cb;
    assert_int_equal(xf_render_template(&f->out, t, &env), 0);
    assert_string_equal(f->out.ptr, "ok");
    assert_string_equal(lb.text, "quiet|loud|p 1|");
    assert_int_equal(lb.infos, 2);
    assert_int_equal(f->diags.nwarnings, 1);
    assert_int_equal(f->diags.nerrors, 0);
    assert_string_equal(f->diags.head->msg, "careful");
    /* no callback: dropped */
    env.log = NULL;
    xf_buf_reset(&f->out);
    assert_int_equal(xf_render_template(&f->out, t, &env), 0);
}

/* package_scope: macros of package "pkg" see "helper" from the package. */
static const struct xf_dict *pkg_scope(void *user, const char *package)
{
    return strcmp(package, "pkg") == 0 ? user : NULL;
}

static void test_package_scope(void **state)
{
    struct fixture *f = *state;
    static const char mtext[] = "{% macro helper() %}pkg helper{% endmacro %}"
                                "{% macro main() %}[{{ helper() }}]{% endmacro %}";
    struct xf_source msrc = {"dbt_packages/pkg/macros/m.sql", mtext, sizeof mtext - 1};
    const struct xf_tmpl *mt = parse(f, &msrc);
    const struct xf_block *b;
    assert_int_equal(xf_tmpl_blocks(mt, &b), 2);
    struct xf_value pkg = xf_v_dict(&f->a, 2);
    xf_dict_set(&f->a, pkg.u.d, XF_STR("helper"), xf_macro_value(&f->a, b[0].macro, "pkg"));
    static const char rtext[] = "{% macro helper() %}root helper{% endmacro %}";
    struct xf_source rsrc = {"macros/r.sql", rtext, sizeof rtext - 1};
    const struct xf_block *rb;
    assert_int_equal(xf_tmpl_blocks(parse(f, &rsrc), &rb), 1);
    xf_dict_set(&f->a, f->globals.u.d, XF_STR("helper"), xf_macro_value(&f->a, rb[0].macro, NULL));
    xf_dict_set(&f->a, f->globals.u.d, XF_STR("main"), xf_macro_value(&f->a, b[1].macro, "pkg"));
    static const char text[] = "{{ main() }} {{ helper() }}";
    struct xf_source src = {"a.sql", text, sizeof text - 1};
    struct xf_render_env env = env_of(f);
    env.user = pkg.u.d;
    env.package_scope = pkg_scope;
    assert_int_equal(xf_render_template(&f->out, parse(f, &src), &env), 0);
    assert_string_equal(f->out.ptr, "[pkg helper] root helper");
}

/* An engine object: callable, subscriptable and iterable. */
static int obj_call(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                    const struct xf_args *args)
{
    (void)o;
    *out = xf_v_int((int64_t)args->npos * 100);
    (void)r;
    return 0;
}

static int obj_getitem(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                       const struct xf_value *key)
{
    (void)r;
    (void)o;
    if (key->t != XF_V_INT)
        return 1;
    *out = xf_v_int(key->u.i * 2);
    return 0;
}

static int obj_iter(struct xf_value *out, struct xf_render *r, const struct xf_obj *o)
{
    (void)o;
    *out = xf_v_list(xf_render_arena(r), 3);
    for (int i = 1; i <= 3; i++)
        xf_list_push(xf_render_arena(r), out->u.l, xf_v_int(i));
    return 0;
}

static int obj_getattr(struct xf_value *out, struct xf_render *r, const struct xf_obj *o,
                       struct xf_str name)
{
    (void)r;
    (void)o;
    if (!xf_str_eqc(name, "kind"))
        return 1;
    *out = xf_v_strc("table");
    return 0;
}

static void obj_str(struct xf_buf *out, const struct xf_obj *o)
{
    (void)o;
    xf_buf_adds(out, "\"main\".\"orders\"");
}

static const struct xf_obj_ops test_ops = {.type_name = "Relation",
                                           .getattr = obj_getattr,
                                           .str = obj_str,
                                           .call = obj_call,
                                           .getitem = obj_getitem,
                                           .iter = obj_iter};

static void test_objects(void **state)
{
    struct fixture *f = *state;
    static const struct xf_obj obj = {&test_ops, NULL};
    xf_dict_set(&f->a, f->globals.u.d, XF_STR("rel"), xf_v_obj(&obj));
    static const char text[] = "{{ rel }} {{ rel.kind }} {{ rel(1, 2) }} {{ rel[21] }} "
                               "{% for x in rel %}{{ x }}{% endfor %} {{ rel | list | length }} "
                               "{{ rel is callable }} [{{ rel.nope }}] {{ rel['kind'] }}";
    struct xf_source src = {"a.sql", text, sizeof text - 1};
    struct xf_render_env env = env_of(f);
    assert_int_equal(xf_render_template(&f->out, parse(f, &src), &env), 0);
    assert_string_equal(f->out.ptr, "\"main\".\"orders\" table 200 42 123 3 True [] table");
}

/* A native that calls its caller() body twice through xf_render_call. */
static int twice(struct xf_value *out, struct xf_render *r, const struct xf_func *self,
                 const struct xf_args *args)
{
    (void)self;
    if (!args->caller)
        return xf_render_error(r, "twice() needs a call block");
    struct xf_value a, b;
    if (xf_render_call(r, &a, args->caller, NULL) < 0 ||
        xf_render_call(r, &b, args->caller, NULL) < 0)
        return -1;
    *out = xf_v_strc(
        xf_arena_printf(xf_render_arena(r), "%.*s+%.*s", XF_STR_ARG(a.u.s), XF_STR_ARG(b.u.s)));
    return 0;
}

static const struct xf_func twice_fn = {"twice", twice, NULL, NULL};

static void test_call_block_native(void **state)
{
    struct fixture *f = *state;
    xf_dict_set(&f->a, f->globals.u.d, XF_STR("twice"), xf_v_func(&twice_fn));
    static const char text[] = "{% set n = 'x' %}{% call twice() %}<{{ n }}>{% endcall %}";
    struct xf_source src = {"a.sql", text, sizeof text - 1};
    struct xf_render_env env = env_of(f);
    assert_int_equal(xf_render_template(&f->out, parse(f, &src), &env), 0);
    assert_string_equal(f->out.ptr, "<x>+<x>");
}

/* ---- two threads, one template ---- */

struct job {
    const struct xf_tmpl *t;
    const struct xf_dict *globals;
    int failures;
};

static void *render_many(void *p)
{
    struct job *j = p;
    for (int i = 0; i < 300; i++) {
        struct xf_arena a;
        xf_arena_init(&a);
        struct xf_diags d;
        xf_diags_init(&d);
        struct xf_value locals = xf_v_dict(&a, 1);
        xf_dict_set(&a, locals.u.d, XF_STR("n"), xf_v_int(i));
        struct xf_render_env env = {
            .arena = &a, .globals = j->globals, .locals = locals.u.d, .diags = &d};
        struct xf_buf out = XF_BUF_INIT;
        char want[64];
        snprintf(want, sizeof want, "%d:a,b,c|%d", i, i * 2);
        if (xf_render_template(&out, j->t, &env) != 0 || strcmp(out.ptr, want) != 0)
            j->failures++;
        xf_buf_release(&out);
        xf_diags_release(&d);
        xf_arena_release(&a);
    }
    return NULL;
}

static void test_threads(void **state)
{
    struct fixture *f = *state;
    static const char text[] =
        "{% macro dbl(x) %}{{ return(x * 2) }}{% endmacro %}"
        "{% set ns = namespace(s=[]) %}{% for c in 'abc' %}{% do ns.s.append(c) %}{% endfor %}"
        "{{ n }}:{{ ns.s | join(',') }}|{{ dbl(n) }}";
    struct xf_source src = {"a.sql", text, sizeof text - 1};
    struct job j1 = {parse(f, &src), f->globals.u.d, 0}, j2 = j1;
    pthread_t t1, t2;
    assert_int_equal(pthread_create(&t1, NULL, render_many, &j1), 0);
    assert_int_equal(pthread_create(&t2, NULL, render_many, &j2), 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    assert_int_equal(j1.failures, 0);
    assert_int_equal(j2.failures, 0);
}

static void test_syntax_errors(void **state)
{
    struct fixture *f = *state;
    static const char text[] = "{% if x %}\n{% for y in z %}{% endif %}";
    struct xf_source src = {"a.sql", text, sizeof text - 1};
    const struct xf_tmpl *t;
    assert_int_equal(xf_tmpl_parse(&t, &f->a, &src, 0, src.len, &f->diags), -1);
    assert_int_equal(f->diags.nerrors, 1);
    assert_string_equal(first_diag(f), "a.sql:2:17: error: unexpected 'endif': expected 'endfor'\n"
                                       " 2 | {% for y in z %}{% endif %}\n"
                                       "   |                 ^~~~~~~~~~~\n");
}

/* env.max_bytes: loop temporaries are freed per iteration; kept values count. */
static void test_render_limits(void **state)
{
    struct fixture *f = *state;
    static const struct xf_source loops = {
        "loops.sql",
        "{% for i in range(200) %}{% for j in range(1000) %}{% set s = 'y' ~ j %}"
        "{% endfor %}{% endfor %}ok",
        0};
    struct xf_source l = loops;
    l.len = strlen(l.text);
    const struct xf_tmpl *t = parse(f, &l);
    struct xf_render_env env = env_of(f);
    env.max_bytes = 256 * 1024; /* 200 range lists of 24 kB would be 4.8 MB */
    size_t before = f->a.total;
    assert_int_equal(xf_render_template(&f->out, t, &env), 0);
    assert_string_equal(f->out.ptr, "ok");
    assert_true(f->a.total - before < 256 * 1024);

    static const struct xf_source hoard = {
        "hoard.sql",
        "{% set ns = namespace(l=[]) %}{% for i in range(200) %}"
        "{% do ns.l.append(range(1000)) %}{% endfor %}{{ ns.l | length }}",
        0};
    struct xf_source h = hoard;
    h.len = strlen(h.text);
    t = parse(f, &h);
    xf_buf_reset(&f->out);
    assert_int_equal(xf_render_template(&f->out, t, &env), -1);
    assert_non_null(strstr(first_diag(f), "the render holds more than its limit of 262144 bytes"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_natives, setup, teardown),
        cmocka_unit_test_setup_teardown(test_macro_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_return_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_embedded_slice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_and_warn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_package_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_block_native, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_limits, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
