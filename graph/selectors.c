// SPDX-License-Identifier: MIT
/*
 * dbt's YAML selectors: selectors.yml is read once into a small tree of
 * set expressions (union, intersection, exclusion, references to other
 * selectors, and leaves that are one xf_graph_select selector), checked
 * whole at load so that every mistake is a located error before anything
 * runs, then evaluated for --selector or the default selector.
 */
#include "graph/graph.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "parser/yaml.h"
#include "util/path.h"

enum kind {
    E_LEAF,  /* one selector atom, evaluated by xf_graph_select */
    E_REF,   /* another selector's definition */
    E_UNION, /* items or-ed, minus the excludes */
    E_INTER, /* items and-ed, minus the excludes */
};

struct expr {
    enum kind kind;
    struct xf_loc loc;
    const char *text; /* E_LEAF: the atom; E_REF: the selector's name */
    int mode;         /* E_LEAF: enum xf_indirect, or -1 for the command's */
    size_t ref;       /* E_REF: index of the selector, once resolved */
    struct expr **items, **excl;
    size_t nitems, nexcl;
};

struct selector {
    const char *name;
    struct xf_loc loc; /* of the name */
    bool is_default;
    struct expr *def;
};

struct xf_selectors {
    struct selector *v;
    size_t n;
    const struct selector *dflt;
};

struct load {
    struct xf_arena *a;
    struct xf_diags *diags;
    int errors;
    struct xf_selectors *s;
};

static const char *const modes[] = {"eager", "cautious", "buildable", "empty"};
#define NMODES (sizeof modes / sizeof modes[0])

static const char *const entry_keys[] = {"name", "description", "default", "definition"};
static const char *const dict_keys[] = {
    "method",        "value",          "parents",           "children",
    "parents_depth", "children_depth", "childrens_parents", "indirect_selection",
    "exclude"};
#define NDICT_KEYS (sizeof dict_keys / sizeof dict_keys[0])

/* A scalar's text; "" for a mapping or list (used as a key). */
static const char *sv(const struct xf_ynode *y)
{
    return y && y->kind == XF_Y_SCALAR && y->str.p ? y->str.p : "";
}

static struct xf_diag *lerror(struct load *l, struct xf_loc at, const char *hint, const char *fmt,
                              ...) __attribute__((format(printf, 4, 5)));

static struct xf_diag *lerror(struct load *l, struct xf_loc at, const char *hint, const char *fmt,
                              ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct xf_diag *d = xf_diag_vadd(l->diags, XF_SEV_ERROR, at, fmt, ap);
    va_end(ap);
    if (hint)
        xf_diag_hint(d, "%s", hint);
    l->errors++;
    return d;
}

static const char *dym(struct xf_arena *a, const char *word, const char *const *names, size_t n)
{
    const char *s = xf_str_suggest(xf_str_c(word), names, n);
    return s ? xf_arena_printf(a, " (did you mean '%s'?)", s) : "";
}

/* Moves diagnostics from `tmp` to `to`, placing unlocated ones at `at`. */
static void relocate(struct xf_diags *to, struct xf_diags *tmp, struct xf_loc at)
{
    for (struct xf_diag *d = tmp->head; d; d = d->next)
        if (!d->loc.src)
            d->loc = at;
    xf_diags_move(to, tmp);
}

static struct expr *new_expr(struct load *l, enum kind k, struct xf_loc loc)
{
    struct expr *e = XF_ANEW(l->a, struct expr);
    e->kind = k;
    e->loc = loc;
    e->mode = -1;
    return e;
}

static void push(struct load *l, struct expr ***v, size_t *n, struct expr *e)
{
    /* lists here are short: grow one by one in the arena */
    struct expr **nv = XF_ANEWN(l->a, struct expr *, *n + 1);
    if (*n)
        memcpy(nv, *v, *n * sizeof *nv);
    nv[(*n)++] = e;
    *v = nv;
}

/* ---- loading ------------------------------------------------------------ */

static struct expr *parse_def(struct load *l, const struct xf_ynode *y);

/* One atom of a CLI-style string: a leaf, or selector:NAME. */
static struct expr *parse_atom_text(struct load *l, const char *text, struct xf_loc loc)
{
    const char *p = text, *end = text + strlen(text);
    bool ops = false;
    if (*p == '@') {
        p++;
        ops = true;
    }
    const char *q = p;
    while (*q >= '0' && *q <= '9')
        q++;
    if (*q == '+') {
        p = q + 1;
        ops = true;
    }
    const char *r = end;
    while (r > p && r[-1] >= '0' && r[-1] <= '9')
        r--;
    if (r > p && r[-1] == '+') {
        end = r - 1;
        ops = true;
    }
    if ((size_t)(end - p) > 9 && !strncmp(p, "selector:", 9)) {
        if (ops)
            lerror(l, loc, "put the operators in the other selector's definition",
                   "graph operators cannot be applied to '%s'", text);
        struct expr *e = new_expr(l, E_REF, loc);
        e->text = xf_arena_strdups(l->a, xf_str_n(p + 9, (size_t)(end - p - 9)));
        return e;
    }
    struct xf_diags tmp;
    xf_diags_init(&tmp);
    if (xf_graph_check_selector(text, &tmp) < 0)
        l->errors++;
    relocate(l->diags, &tmp, loc);
    xf_diags_release(&tmp);
    struct expr *e = new_expr(l, E_LEAF, loc);
    e->text = xf_arena_strdup(l->a, text);
    return e;
}

/* A CLI-style string: space-separated unions of comma-joined intersections. */
static struct expr *parse_string(struct load *l, const struct xf_ynode *y)
{
    char *copy = xf_arena_strdups(l->a, y->str);
    struct expr *u = new_expr(l, E_UNION, y->loc);
    char *save = NULL;
    for (char *tok = strtok_r(copy, " \t\r\n", &save); tok;
         tok = strtok_r(NULL, " \t\r\n", &save)) {
        struct expr *in = new_expr(l, E_INTER, y->loc);
        char *save2 = NULL;
        for (char *part = strtok_r(tok, ",", &save2); part; part = strtok_r(NULL, ",", &save2))
            push(l, &in->items, &in->nitems, parse_atom_text(l, part, y->loc));
        if (in->nitems) /* "," alone names nothing */
            push(l, &u->items, &u->nitems, in->nitems == 1 ? in->items[0] : in);
    }
    if (u->nitems == 0) {
        lerror(l, y->loc, "write a selector such as 'tag:nightly'", "empty selector definition");
        return NULL;
    }
    return u->nitems == 1 ? u->items[0] : u;
}

static int get_bool(struct load *l, const struct xf_ynode *y, const char *key, bool *out)
{
    struct xf_value v = y->kind == XF_Y_SCALAR ? xf_ynode_value(l->a, y) : xf_v_none();
    if (v.t != XF_V_BOOL) {
        lerror(l, y->loc, NULL, "'%s' must be true or false", key);
        return -1;
    }
    *out = v.u.b;
    return 0;
}

static int get_depth(struct load *l, const struct xf_ynode *y, const char *key, long long *out)
{
    struct xf_value v = y->kind == XF_Y_SCALAR ? xf_ynode_value(l->a, y) : xf_v_none();
    if (v.t != XF_V_INT || v.u.i < 0) {
        lerror(l, y->loc, NULL, "'%s' must be a whole number of generations (0 or more)", key);
        return -1;
    }
    *out = v.u.i;
    return 0;
}

/* A list of definitions to exclude (or a single one). */
static void parse_excludes(struct load *l, const struct xf_ynode *y, struct expr *into)
{
    if (y->kind != XF_Y_SEQ) {
        struct expr *e = parse_def(l, y);
        if (e)
            push(l, &into->excl, &into->nexcl, e);
        return;
    }
    for (size_t i = 0; i < y->n; i++) {
        struct expr *e = parse_def(l, y->items[i]);
        if (e)
            push(l, &into->excl, &into->nexcl, e);
    }
}

/* {method, value, parents, ...}: one leaf with its graph operators. */
static struct expr *parse_full(struct load *l, const struct xf_ynode *y)
{
    const struct xf_ynode *method = NULL, *value = NULL, *exclude = NULL;
    bool parents = false, children = false, at = false, has_pd = false, has_cd = false;
    long long pd = 0, cd = 0;
    int mode = -1;
    for (size_t i = 0; i < y->n; i++) {
        const struct xf_ynode *k = y->keys[i], *v = y->items[i];
        const char *key = sv(k);
        if (!strcmp(key, "method"))
            method = v;
        else if (!strcmp(key, "value"))
            value = v;
        else if (!strcmp(key, "parents"))
            get_bool(l, v, key, &parents);
        else if (!strcmp(key, "children"))
            get_bool(l, v, key, &children);
        else if (!strcmp(key, "childrens_parents"))
            get_bool(l, v, key, &at);
        else if (!strcmp(key, "parents_depth"))
            has_pd = get_depth(l, v, key, &pd) == 0;
        else if (!strcmp(key, "children_depth"))
            has_cd = get_depth(l, v, key, &cd) == 0;
        else if (!strcmp(key, "exclude"))
            exclude = v;
        else if (!strcmp(key, "indirect_selection")) {
            size_t m = NMODES;
            if (v->kind == XF_Y_SCALAR)
                for (m = 0; m < NMODES; m++)
                    if (xf_str_eqc(v->str, modes[m]))
                        break;
            if (m == NMODES)
                lerror(l, v->loc, "use eager, cautious, buildable or empty",
                       "unknown indirect_selection '%s'%s", v->kind == XF_Y_SCALAR ? v->str.p : "",
                       v->kind == XF_Y_SCALAR ? dym(l->a, v->str.p, modes, NMODES) : "");
            else
                mode = (int)m;
        } else
            lerror(l, k->loc,
                   "keys: method, value, parents, children, parents_depth, children_depth, "
                   "childrens_parents, indirect_selection, exclude",
                   "unknown key '%s' in a selector definition%s", key,
                   dym(l->a, key, dict_keys, NDICT_KEYS));
    }
    if (!method || method->kind != XF_Y_SCALAR || !method->str.len) {
        lerror(l, method ? method->loc : y->loc, "add method: tag (or fqn, path, config.<key> ...)",
               "selector definition has no method");
        return NULL;
    }
    if (!value || value->kind != XF_Y_SCALAR || !value->str.len) {
        lerror(l, value ? value->loc : y->loc, "add value: the tag, name or path to select",
               "selector definition with method '%s' has no value", method->str.p);
        return NULL;
    }
    struct expr *e;
    if (xf_str_eqc(method->str, "selector")) {
        if (parents || children || at || has_pd || has_cd || mode >= 0)
            lerror(l, method->loc, "put these keys in the other selector's definition",
                   "graph operators and indirect_selection cannot be applied to a selector "
                   "reference");
        e = new_expr(l, E_REF, value->loc);
        e->text = value->str.p;
    } else {
        struct xf_buf b = XF_BUF_INIT;
        if (at)
            xf_buf_addch(&b, '@');
        if (has_pd)
            xf_buf_addf(&b, "%lld+", pd);
        else if (parents)
            xf_buf_addch(&b, '+');
        xf_buf_addf(&b, "%s:%s", method->str.p, value->str.p);
        if (has_cd)
            xf_buf_addf(&b, "+%lld", cd);
        else if (children)
            xf_buf_addch(&b, '+');
        struct xf_diags tmp;
        xf_diags_init(&tmp);
        if (xf_graph_check_selector(b.ptr, &tmp) < 0)
            l->errors++;
        relocate(l->diags, &tmp, method->loc);
        xf_diags_release(&tmp);
        e = new_expr(l, E_LEAF, method->loc);
        e->text = xf_arena_strdup(l->a, b.ptr);
        e->mode = mode;
        xf_buf_release(&b);
    }
    if (!exclude)
        return e;
    struct expr *u = new_expr(l, E_UNION, y->loc);
    push(l, &u->items, &u->nitems, e);
    parse_excludes(l, exclude, u);
    return u;
}

/* union: / intersection: lists; {exclude: ...} items are taken away. */
static struct expr *parse_set(struct load *l, const struct xf_ynode *key, const struct xf_ynode *y,
                              enum kind k)
{
    if (y->kind != XF_Y_SEQ) {
        lerror(l, y->loc, "write a list of definitions under it", "'%s' must be a list", sv(key));
        return NULL;
    }
    struct expr *e = new_expr(l, k, key->loc);
    for (size_t i = 0; i < y->n; i++) {
        const struct xf_ynode *it = y->items[i];
        const struct xf_ynode *ex = it->kind == XF_Y_MAP ? xf_ynode_get(it, "exclude") : NULL;
        if (ex && it->n == 1) {
            parse_excludes(l, ex, e);
            continue;
        }
        struct expr *sub = parse_def(l, it);
        if (sub)
            push(l, &e->items, &e->nitems, sub);
    }
    if (e->nitems == 0) {
        lerror(l, key->loc, "list at least one definition to select from (exclude only removes)",
               "'%s' selects nothing: it has no items besides exclude", sv(key));
        return NULL;
    }
    return e;
}

static struct expr *parse_def(struct load *l, const struct xf_ynode *y)
{
    if (!y || xf_ynode_is_null(y)) {
        lerror(l, y ? y->loc : XF_NOLOC, "write a selector such as 'tag:nightly'",
               "empty selector definition");
        return NULL;
    }
    if (y->kind == XF_Y_SCALAR)
        return parse_string(l, y);
    if (y->kind == XF_Y_SEQ) {
        lerror(l, y->loc, "put the list under 'union:' or 'intersection:'",
               "a selector definition cannot be a bare list");
        return NULL;
    }
    if (xf_ynode_get(y, "method"))
        return parse_full(l, y);
    if (y->n == 1 && xf_str_eqc(y->keys[0]->str, "exclude")) {
        lerror(l, y->keys[0]->loc,
               "put {exclude: [...]} as an item of a union or intersection list",
               "'exclude' is only allowed inside 'union', 'intersection' or a full definition");
        return NULL;
    }
    for (size_t i = 0; i < y->n; i++)
        for (size_t k = 0; k < NDICT_KEYS; k++)
            if (xf_str_eqc(y->keys[i]->str, dict_keys[k]))
                return parse_full(l, y); /* a full definition without its method */
    if (y->n != 1) {
        lerror(l, y->loc, "write method: value, or a full definition with method: and value:",
               "a key-value selector definition must have exactly one key");
        return NULL;
    }
    const struct xf_ynode *k = y->keys[0], *v = y->items[0];
    if (xf_str_eqc(k->str, "union"))
        return parse_set(l, k, v, E_UNION);
    if (xf_str_eqc(k->str, "intersection"))
        return parse_set(l, k, v, E_INTER);
    if (v->kind != XF_Y_SCALAR || !v->str.len) {
        lerror(l, v->loc, "write method: value, as in tag: nightly",
               "the value of '%s' must be a single value", sv(k));
        return NULL;
    }
    if (xf_str_eqc(k->str, "selector")) {
        struct expr *e = new_expr(l, E_REF, v->loc);
        e->text = v->str.p;
        return e;
    }
    char *text = xf_arena_printf(l->a, "%s:%s", sv(k), v->str.p);
    struct xf_diags tmp;
    xf_diags_init(&tmp);
    if (xf_graph_check_selector(text, &tmp) < 0)
        l->errors++;
    relocate(l->diags, &tmp, k->loc);
    xf_diags_release(&tmp);
    struct expr *e = new_expr(l, E_LEAF, k->loc);
    e->text = text;
    return e;
}

static const char **names_of(struct load *l)
{
    const char **names = XF_ANEWN(l->a, const char *, l->s->n + 1);
    for (size_t i = 0; i < l->s->n; i++)
        names[i] = l->s->v[i].name;
    return names;
}

static ssize_t find(const struct xf_selectors *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i].name, name))
            return (ssize_t)i;
    return -1;
}

/* Resolves E_REF names to indices. */
static void resolve(struct load *l, struct expr *e, const char *owner)
{
    if (!e)
        return;
    if (e->kind == E_REF) {
        ssize_t i = find(l->s, e->text);
        if (i < 0)
            lerror(l, e->loc, "define it in selectors.yml, or fix the name",
                   "selector '%s' refers to unknown selector '%s'%s", owner, e->text,
                   dym(l->a, e->text, names_of(l), l->s->n));
        else
            e->ref = (size_t)i;
        return;
    }
    for (size_t i = 0; i < e->nitems; i++)
        resolve(l, e->items[i], owner);
    for (size_t i = 0; i < e->nexcl; i++)
        resolve(l, e->excl[i], owner);
}

/* Depth-first search over references; state 1 = on the path, 2 = done. */
static bool cycle_from(struct load *l, size_t at, unsigned char *state, size_t *path, size_t depth);

static bool cycle_in(struct load *l, const struct expr *e, unsigned char *state, size_t *path,
                     size_t depth)
{
    if (!e)
        return false;
    if (e->kind == E_REF) {
        size_t to = e->ref;
        if (state[to] == 1) {
            struct xf_buf b = XF_BUF_INIT;
            size_t k = 0;
            while (path[k] != to)
                k++;
            for (; k < depth; k++)
                xf_buf_addf(&b, "'%s' -> ", l->s->v[path[k]].name);
            xf_buf_addf(&b, "'%s'", l->s->v[to].name);
            lerror(l, e->loc, "break the cycle: a selector cannot use itself",
                   "selectors refer to each other in a cycle: %s", b.ptr);
            xf_buf_release(&b);
            return true;
        }
        return state[to] == 0 && cycle_from(l, to, state, path, depth);
    }
    for (size_t i = 0; i < e->nitems; i++)
        if (cycle_in(l, e->items[i], state, path, depth))
            return true;
    for (size_t i = 0; i < e->nexcl; i++)
        if (cycle_in(l, e->excl[i], state, path, depth))
            return true;
    return false;
}

static bool cycle_from(struct load *l, size_t at, unsigned char *state, size_t *path, size_t depth)
{
    state[at] = 1;
    path[depth] = at;
    bool found = cycle_in(l, l->s->v[at].def, state, path, depth + 1);
    state[at] = 2;
    return found;
}

static void parse_entry(struct load *l, const struct xf_ynode *y)
{
    if (y->kind != XF_Y_MAP) {
        lerror(l, y->loc,
               "each item is a mapping with name: and definition:", "a selector must be a mapping");
        return;
    }
    const struct xf_ynode *name = NULL, *def = NULL, *dflt = NULL;
    for (size_t i = 0; i < y->n; i++) {
        const struct xf_ynode *k = y->keys[i];
        if (xf_str_eqc(k->str, "name"))
            name = y->items[i];
        else if (xf_str_eqc(k->str, "definition"))
            def = y->items[i];
        else if (xf_str_eqc(k->str, "default"))
            dflt = y->items[i];
        else if (!xf_str_eqc(k->str, "description"))
            lerror(l, k->loc, "keys: name, description, default, definition",
                   "unknown key '%s' in a selector%s", sv(k), dym(l->a, sv(k), entry_keys, 4));
    }
    if (!name || name->kind != XF_Y_SCALAR || !name->str.len) {
        lerror(l, name ? name->loc : y->loc, "add name: <a name to pass to --selector>",
               "selector has no name");
        return;
    }
    if (!def) {
        lerror(l, name->loc, "add definition: (a string such as 'tag:nightly', or a mapping)",
               "selector '%s' has no definition", name->str.p);
        return;
    }
    ssize_t dup = find(l->s, name->str.p);
    if (dup >= 0) {
        unsigned line, col;
        xf_loc_linecol(l->s->v[dup].loc.src, l->s->v[dup].loc.off, &line, &col);
        lerror(l, name->loc, "give each selector its own name",
               "selector '%s' is defined twice (first at line %u)", name->str.p, line);
        return;
    }
    struct selector *s = &l->s->v[l->s->n++];
    s->name = name->str.p;
    s->loc = name->loc;
    if (dflt && get_bool(l, dflt, "default", &s->is_default) == 0 && s->is_default) {
        if (l->s->dflt)
            lerror(l, dflt->loc, "keep default: true on one selector only",
                   "selectors '%s' and '%s' are both marked default: true", l->s->dflt->name,
                   s->name);
        else
            l->s->dflt = s;
    }
    s->def = parse_def(l, def);
}

static char *file_path(const struct xf_project *p)
{
    size_t n = strlen(p->root) + sizeof "/selectors.yml";
    char *path = xf_malloc(n);
    snprintf(path, n, "%s/selectors.yml", p->root);
    return path;
}

bool xf_selectors_file_exists(const struct xf_project *p)
{
    char *path = file_path(p);
    struct stat st;
    bool ok = stat(path, &st) == 0;
    free(path);
    return ok;
}

int xf_selectors_load(struct xf_selectors **out, struct xf_project *p, struct xf_diags *diags)
{
    struct xf_arena *a = &p->arena;
    struct load l = {.a = a, .diags = diags, .s = XF_ANEW(a, struct xf_selectors)};
    *out = l.s;
    char *path = file_path(p);
    struct xf_buf text = XF_BUF_INIT;
    int err = xf_read_file(&text, path);
    free(path);
    if (err == -ENOENT) {
        err = 0;
        goto done;
    }
    if (err < 0) {
        xf_error(diags, XF_NOLOC, "cannot read 'selectors.yml': %s", strerror(-err));
        goto done;
    }
    struct xf_source *src = XF_ANEW(a, struct xf_source);
    src->path = "selectors.yml";
    src->len = text.len;
    src->text = xf_arena_strdup(a, text.ptr);
    struct xf_ynode *root;
    if ((err = xf_yaml_parse(&root, a, src, diags)) < 0)
        goto done;
    const struct xf_ynode *list = NULL;
    if (root->kind == XF_Y_MAP) {
        for (size_t i = 0; i < root->n; i++) {
            if (xf_str_eqc(root->keys[i]->str, "selectors"))
                list = root->items[i];
            else
                lerror(&l, root->keys[i]->loc, "selectors.yml holds one key, 'selectors:'",
                       "unknown key '%s' in selectors.yml", sv(root->keys[i]));
        }
    }
    if (!list || (list->kind != XF_Y_SEQ && !xf_ynode_is_null(list))) {
        lerror(&l, list ? list->loc : root->loc,
               "write selectors: followed by a list of {name, definition}",
               "selectors.yml must have a 'selectors:' list");
        err = -1;
        goto done;
    }
    size_t n = list->kind == XF_Y_SEQ ? list->n : 0;
    l.s->v = XF_ANEWN(a, struct selector, n + 1);
    for (size_t i = 0; i < n; i++)
        parse_entry(&l, list->items[i]);
    for (size_t i = 0; i < l.s->n; i++)
        resolve(&l, l.s->v[i].def, l.s->v[i].name);
    if (!l.errors) {
        unsigned char *state = xf_calloc(l.s->n + 1, 1);
        size_t *stack = xf_calloc(l.s->n + 1, sizeof *stack);
        for (size_t i = 0; i < l.s->n; i++)
            if (!state[i] && cycle_from(&l, i, state, stack, 0))
                break;
        free(state);
        free(stack);
    }
    err = l.errors ? -1 : 0;
done:
    xf_buf_release(&text);
    return err;
}

const char *xf_selectors_default(const struct xf_selectors *s)
{
    return s && s->dflt ? s->dflt->name : NULL;
}

/* ---- evaluation --------------------------------------------------------- */

struct eval {
    const struct xf_selectors *s;
    const struct xf_graph *g;
    bool indirect;
    enum xf_indirect mode;
    struct xf_diags *diags;
    int errors;
};

static void eval(struct eval *ev, const struct expr *e, bool *out)
{
    const struct xf_graph *g = ev->g;
    if (e->kind == E_REF) {
        eval(ev, ev->s->v[e->ref].def, out);
        return;
    }
    if (e->kind == E_LEAF) {
        struct xf_diags tmp;
        xf_diags_init(&tmp);
        const char *one[1] = {e->text};
        enum xf_indirect m = e->mode >= 0 ? (enum xf_indirect)e->mode : ev->mode;
        int r = ev->indirect ? xf_graph_select_tests(g, one, 1, NULL, 0, m, out, &tmp)
                             : xf_graph_select(g, one, 1, NULL, 0, out, &tmp);
        if (r < 0)
            ev->errors++;
        relocate(ev->diags, &tmp, e->loc);
        xf_diags_release(&tmp);
        return;
    }
    bool *one = xf_calloc(g->n + 1, 1);
    memset(out, e->kind == E_INTER, g->n);
    for (size_t i = 0; i < e->nitems; i++) {
        eval(ev, e->items[i], one);
        for (size_t k = 0; k < g->n; k++)
            out[k] = e->kind == E_INTER ? (out[k] && one[k]) : (out[k] || one[k]);
    }
    for (size_t i = 0; i < e->nexcl; i++) {
        eval(ev, e->excl[i], one);
        for (size_t k = 0; k < g->n; k++)
            out[k] = out[k] && !one[k];
    }
    free(one);
}

int xf_selectors_select(const struct xf_selectors *s, const struct xf_graph *g, const char *name,
                        bool indirect, enum xf_indirect mode, bool *out, struct xf_diags *diags)
{
    memset(out, 0, g->n);
    ssize_t i = s ? find(s, name) : -1;
    if (i < 0) {
        const char **names = xf_calloc(s && s->n ? s->n : 1, sizeof *names);
        for (size_t k = 0; s && k < s->n; k++)
            names[k] = s->v[k].name;
        const char *sugg = s ? xf_str_suggest(xf_str_c(name), names, s->n) : NULL;
        struct xf_diag *d =
            xf_diag_add(diags, XF_SEV_ERROR, XF_NOLOC, "unknown selector '%s'%s%s%s", name,
                        sugg ? " (did you mean '" : "", sugg ? sugg : "", sugg ? "'?)" : "");
        if (!s || !s->n) {
            xf_diag_hint(d, "the project has no selectors in selectors.yml");
        } else {
            struct xf_buf b = XF_BUF_INIT;
            for (size_t k = 0; k < s->n; k++)
                xf_buf_addf(&b, "%s%s", k ? ", " : "", s->v[k].name);
            xf_diag_hint(d, "selectors in selectors.yml: %s", b.ptr);
            xf_buf_release(&b);
        }
        free(names);
        return -1;
    }
    struct eval ev = {.s = s, .g = g, .indirect = indirect, .mode = mode, .diags = diags};
    eval(&ev, s->v[i].def, out);
    if (ev.errors) {
        memset(out, 0, g->n);
        return -1;
    }
    return 0;
}
