// SPDX-License-Identifier: MIT
/*
 * `run-operation`: calls one macro with keyword arguments in execute mode,
 * on a connection of its own, as dbt does: MACRO finds the root project's
 * macro first, then an installed package's, then a built-in one;
 * PACKAGE.MACRO looks only in that package ("dbt" for the built-ins).
 */
#include <string.h>

#include "engine/internal.h"
#include "parser/yaml.h"

static bool is_macro(const struct xf_value *v)
{
    return v && v->t == XF_V_FUNC && !v->u.fn->fn;
}

/* The macro `name` of a namespace dict, or NULL. */
static const struct xf_value *in_dict(const struct xf_dict *d, const char *name)
{
    const struct xf_value *v = d ? xf_dict_getc(d, name) : NULL;
    return is_macro(v) ? v : NULL;
}

static const struct xf_dict *namespace(struct xf_session *s, const char *pkg)
{
    const struct xf_value *ns = xf_dict_getc(s->globals.u.d, pkg);
    if (!strcmp(pkg, s->p->name))
        return s->macro_overrides.u.d;
    const struct xf_dict *d = xf_map_getc(&s->pkg_macros, pkg);
    if (d)
        return d;
    return ns && ns->t == XF_V_DICT && !strcmp(pkg, "dbt") ? ns->u.d : NULL;
}

/* Every macro name a user could have meant, for "did you mean". */
static const char **candidates(struct xf_session *s, struct xf_arena *a, size_t *n)
{
    size_t cap = s->p->macros.n + 1;
    const char **v = xf_arena_alloc(a, cap * sizeof *v);
    *n = 0;
    for (size_t i = 0; i < s->p->macros.n; i++) {
        const struct xf_macro_def *d = s->p->macros.v[i];
        v[(*n)++] = strcmp(d->package, s->p->name)
                        ? xf_arena_printf(a, "%s.%s", d->package, d->name)
                        : d->name;
    }
    return v;
}

static const struct xf_value *find(struct xf_session *s, const char *spec, struct xf_arena *a)
{
    const char *dot = strchr(spec, '.');
    if (dot) {
        const char *pkg = xf_arena_strndup(a, spec, (size_t)(dot - spec));
        return in_dict(namespace(s, pkg), dot + 1);
    }
    const struct xf_value *v = in_dict(s->macro_overrides.u.d, spec);
    for (size_t i = 0; !v && i < s->p->packages.n; i++)
        v = in_dict(xf_map_getc(&s->pkg_macros, s->p->packages.v[i]->name), spec);
    return v ? v : in_dict(namespace(s, "dbt"), spec);
}

int xf_session_check_operation(struct xf_session *s, const char *spec, const char *args,
                               struct xf_arena *a, struct xf_value *kwargs)
{
    *kwargs = xf_v_dict(a, 0);
    if (!find(s, spec, a)) {
        size_t n;
        const char **names = candidates(s, a, &n);
        const char *sug = xf_str_suggest(xf_str_c(spec), names, n);
        struct xf_diag *g =
            xf_diag_add(s->diags, XF_SEV_ERROR, XF_NOLOC, "no macro named '%s'%s%s%s", spec,
                        sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
        xf_diag_hint(g, "name a macro of the project, or PACKAGE.MACRO for a package's");
        return -1;
    }
    if (!args || !*xf_str_trim(xf_str_c(args)).p)
        return 0;
    struct xf_source *src = XF_ANEW(a, struct xf_source);
    src->path = "--args";
    src->text = xf_arena_strdup(a, args);
    src->len = strlen(args);
    struct xf_ynode *root;
    if (xf_yaml_parse(&root, a, src, s->diags) < 0)
        return -1;
    if (root->kind != XF_Y_MAP) {
        struct xf_diag *g =
            xf_diag_add(s->diags, XF_SEV_ERROR, root->loc, "--args must be a YAML or JSON mapping");
        xf_diag_hint(g, "the macro's keyword arguments, e.g. --args '{\"role\": \"reporter\"}'");
        return -1;
    }
    *kwargs = xf_ynode_value(a, root);
    return 0;
}

int xf_session_run_operation(struct xf_session *s, const char *spec, const struct xf_value *kwargs,
                             const struct xf_events *ev, struct xf_arena *a, struct xf_value *ret)
{
    const struct xf_value *fn = find(s, spec, a);
    *ret = xf_v_none();
    if (!fn)
        return -1;
    struct xf_conn *c;
    struct xf_buf err = XF_BUF_INIT;
    if (xf_relcache_connect(s, &c, &err) < 0) {
        xf_error(s->diags, XF_NOLOC, "could not connect to the %s target: %s", s->ops->name,
                 err.ptr);
        xf_buf_release(&err);
        return -1;
    }
    if (xf_extras_conn(s, c, &err) < 0) { /* the query comment */
        xf_error(s->diags, s->p->query_comment_loc, "%s", err.ptr);
        xf_buf_release(&err);
        xf_relcache_disconnect(s, c);
        return -1;
    }
    s->events = ev;
    struct xf_rctx rc = {.s = s, .execute = true, .conn = c, .arena = a};
    struct xf_render_env env;
    xf_context_env(&env, &rc);
    env.what = xf_arena_printf(a, "operation '%s'", spec);
    const struct xf_dict *kw = kwargs->t == XF_V_DICT ? kwargs->u.d : NULL;
    size_t nkw = kw ? kw->n : 0;
    struct xf_str *names = xf_arena_alloc(a, (nkw + 1) * sizeof *names);
    struct xf_value *vals = xf_arena_alloc(a, (nkw + 1) * sizeof *vals);
    for (size_t i = 0; i < nkw; i++) {
        names[i] = kw->ents[i].key;
        vals[i] = kw->ents[i].val;
    }
    struct xf_args args = {.kwnames = names, .kwvals = vals, .nkw = nkw};
    int e = xf_call_value(ret, fn, &args, &env);
    xf_relcache_disconnect(s, c);
    s->events = NULL;
    xf_buf_release(&err);
    return e < 0 ? -1 : 0;
}
