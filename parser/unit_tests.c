// SPDX-License-Identifier: MIT
/*
 * `unit_tests:` in properties files (dbt 1.8): each entry becomes a node
 * of type XF_RES_UNIT_TEST in project.others carrying what to run
 * (struct xf_unit_test): the model, the given inputs with their rows
 * (dict, csv or sql; inline or a fixture file), the expected rows and the
 * overrides. The engine runs it (engine/unit_test.c); the graph checks
 * that the model and every input exist (graph/graph.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser/csv.h"
#include "parser/features.h"
#include "parser/loader.h"
#include "util/path.h"

static const char *const ut_keys[] = {"name",      "model",  "given",    "expect",
                                      "overrides", "config", "versions", "description"};
static const char *const given_keys[] = {"input", "rows", "format", "fixture"};
static const char *const expect_keys[] = {"rows", "format", "fixture"};
static const char *const override_keys[] = {"macros", "vars", "env_vars"};
static const char *const ut_config_keys[] = {"tags", "enabled", "meta"};
static const char *const formats[] = {"dict", "csv", "sql"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Parses "ref('x')", "ref('pkg', 'x')", "source('s', 't')" (or "this"); 0 or -1. */
static int parse_input(struct xf_arena *a, const char *s, struct xf_ut_given *out)
{
    while (*s == ' ')
        s++;
    if (!strcmp(s, "this")) {
        out->is_this = true;
        return 0;
    }
    bool src;
    struct xf_str args[2];
    const char *end;
    int na = xf_parse_ref_text(s, &src, args, &end);
    while (na > 0 && *end == ' ')
        end++;
    if (na <= 0 || *end || (src && na != 2))
        return -1;
    out->is_source = src;
    out->dep.package = na == 2 ? xf_arena_strndup(a, args[0].p, args[0].len) : NULL;
    out->dep.name = xf_arena_strndup(a, args[na - 1].p, args[na - 1].len);
    return 0;
}

static void note_names(struct xf_arena *a, struct xf_ut_rows *r, const struct xf_dict *row)
{
    for (size_t i = 0; i < row->n; i++) {
        bool seen = false;
        for (size_t k = 0; k < r->names.u.l->n && !seen; k++)
            seen = xf_str_eq(r->names.u.l->items[k].u.s, row->ents[i].key);
        if (!seen)
            xf_list_push(a, r->names.u.l, xf_v_str(row->ents[i].key));
    }
}

/* CSV text (inline or a fixture) into rows of strings; an empty cell is NULL. */
static int csv_rows(struct xf_loader *l, struct xf_ut_rows *r, const struct xf_source *src)
{
    struct xf_csv csv;
    if (xf_csv_parse(&csv, l->a, src, ',', l->diags) < 0)
        return -1;
    for (size_t i = 0; i < csv.nrows; i++) {
        struct xf_value row = xf_v_dict(l->a, csv.ncols);
        for (size_t c = 0; c < csv.ncols; c++) {
            struct xf_str cell = csv.cells[i * csv.ncols + c];
            xf_dict_set(l->a, row.u.d, csv.header[c],
                        cell.p && cell.len ? xf_v_str(cell) : xf_v_none());
        }
        xf_list_push(l->a, r->rows.u.l, row);
    }
    for (size_t c = 0; c < csv.ncols; c++)
        xf_list_push(l->a, r->names.u.l, xf_v_str(csv.header[c]));
    return 0;
}

/* The fixture <test-path>/fixtures/<name>.<format>, read into the arena. */
static const struct xf_source *read_fixture(struct xf_loader *l, const struct xf_ynode *name,
                                            const char *format)
{
    const struct xf_value *tp = l->u->paths[XF_UPATH_TEST];
    XF_VEC(const char *) tried = {0};
    const struct xf_source *src = NULL;
    for (size_t i = 0; tp && i < tp->u.l->n && !src; i++) {
        const char *rel = xf_arena_printf(l->a, "%s/fixtures/%s.%s", tp->u.l->items[i].u.s.p,
                                          name->str.p, format);
        const char *full = xf_loader_join_path(l->a, l->u->root, rel);
        xf_vec_push(&tried, rel);
        struct xf_buf text = XF_BUF_INIT;
        if (xf_read_file(&text, full) < 0) {
            xf_buf_release(&text);
            continue;
        }
        struct xf_source *fs = XF_ANEW(l->a, struct xf_source);
        fs->path = *l->u->dir ? xf_loader_cat(l->a, l->u->dir, "", rel) : rel;
        fs->text = xf_arena_strndup(l->a, text.ptr, text.len);
        fs->len = text.len;
        xf_buf_release(&text);
        xf_avec_push(l->a, &l->p->files, (const struct xf_source *)fs);
        src = fs;
    }
    if (!src && tried.n) {
        struct xf_diag *d =
            xf_diag_add(l->diags, XF_SEV_ERROR, name->loc, "fixture '" XF_STR_FMT "' was not found",
                        XF_STR_ARG(name->str));
        xf_diag_hint(d, "looked for '%s'", tried.v[0]);
    }
    xf_vec_release(&tried);
    return src;
}

/* rows/format/fixture of a given input or of expect. */
static int read_rows(struct xf_loader *l, const struct xf_ynode *e, struct xf_ut_rows *r)
{
    r->format = "dict";
    r->rows = xf_v_list(l->a, 4);
    r->names = xf_v_list(l->a, 4);
    r->loc = e->loc;
    const struct xf_ynode *fmt = xf_ynode_get(e, "format");
    if (fmt && !xf_ynode_is_null(fmt)) {
        if (xf_loader_want_str(l, fmt, "format", &r->format) < 0)
            return -1;
        size_t k;
        for (k = 0; k < N(formats); k++)
            if (!strcmp(formats[k], r->format))
                break;
        if (k == N(formats)) {
            const char *s = xf_str_suggest(fmt->str, formats, N(formats));
            struct xf_diag *d =
                xf_diag_add(l->diags, XF_SEV_ERROR, fmt->loc, "unknown rows format '%s'%s%s%s",
                            r->format, s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
            xf_diag_hint(d, "formats: dict, csv, sql");
            return -1;
        }
    }
    const struct xf_ynode *rows = xf_ynode_get(e, "rows"), *fix = xf_ynode_get(e, "fixture");
    if (rows && fix)
        return xf_error(l->diags, fix->loc, "give either 'rows' or 'fixture', not both");
    if (fix) {
        if (!strcmp(r->format, "dict"))
            return xf_error(l->diags, fix->loc,
                            "a fixture file is csv or sql: add 'format: csv' or 'format: sql'");
        if (xf_loader_want_str(l, fix, "fixture", &r->fixture) < 0)
            return -1;
        r->loc = fix->loc;
        const struct xf_source *src = read_fixture(l, fix, r->format);
        if (!src)
            return -1;
        if (!strcmp(r->format, "sql")) {
            r->sql = xf_arena_strndup(l->a, src->text, src->len);
            return 0;
        }
        return csv_rows(l, r, src);
    }
    if (!rows || xf_ynode_is_null(rows))
        return 0; /* no rows: an empty input */
    r->loc = rows->loc;
    if (!strcmp(r->format, "dict")) {
        if (rows->kind != XF_Y_SEQ)
            return xf_error(l->diags, rows->loc,
                            "rows in format dict must be a list of mappings (column: value)");
        for (size_t i = 0; i < rows->n; i++) {
            const struct xf_ynode *row = rows->items[i];
            if (row->kind != XF_Y_MAP)
                return xf_error(l->diags, row->loc, "a row must be a mapping of column to value");
            struct xf_value v = xf_ynode_value(l->a, row);
            xf_list_push(l->a, r->rows.u.l, v);
            note_names(l->a, r, v.u.d);
        }
        return 0;
    }
    if (rows->kind != XF_Y_SCALAR)
        return xf_error(l->diags, rows->loc, "rows in format %s must be a string", r->format);
    if (!strcmp(r->format, "sql")) {
        r->sql = rows->str.p;
        return 0;
    }
    /* inline csv: parsed as its own little file, located at the rows */
    struct xf_source *src = XF_ANEW(l->a, struct xf_source);
    src->path = xf_arena_printf(l->a, "%s (rows of csv)", rows->loc.src ? rows->loc.src->path : "");
    src->text = rows->str.p;
    src->len = rows->str.len;
    return csv_rows(l, r, src);
}

static int dict_of(struct xf_loader *l, const struct xf_ynode *n, const char *what,
                   struct xf_value *out)
{
    if (!n || xf_ynode_is_null(n)) {
        *out = xf_v_dict(l->a, 0);
        return 0;
    }
    if (n->kind != XF_Y_MAP)
        return xf_error(l->diags, n->loc, "'%s' must be a mapping", what);
    *out = xf_ynode_value(l->a, n);
    return 0;
}

static int one_test(struct xf_loader *l, const struct xf_props_file *f, const struct xf_ynode *e)
{
    if (e->kind != XF_Y_MAP)
        return xf_error(l->diags, e->loc, "an entry of 'unit_tests' must be a mapping");
    int err = xf_loader_strict_keys(l, e, "a unit test", ut_keys, N(ut_keys));
    const struct xf_ynode *name = xf_ynode_get(e, "name"), *model = xf_ynode_get(e, "model");
    if (!name)
        return xf_error(l->diags, e->loc, "a unit test needs a 'name'");
    struct xf_node *n = XF_ANEW(l->a, struct xf_node);
    struct xf_unit_test *u = XF_ANEW(l->a, struct xf_unit_test);
    if (xf_loader_want_str(l, name, "name", &n->name) < 0)
        return -1;
    if (!model)
        return xf_error(l->diags, name->loc, "unit test '%s' needs a 'model'", n->name);
    if (xf_loader_want_str(l, model, "model", &u->model) < 0)
        return -1;
    u->model_loc = model->loc;
    n->type = XF_RES_UNIT_TEST;
    n->unit = u;
    n->package = l->u->name;
    n->unique_id = xf_arena_printf(l->a, "unit_test.%s.%s.%s", l->u->name, u->model, n->name);
    n->path = f->rel;
    n->original_file_path = f->ofp;
    n->patch_path = f->patch_path;
    n->src = f->src;
    n->props_loc = name->loc;
    n->fqn = xf_loader_fqn(l, NULL, f->rel, n->name, u->model);
    n->config = xf_loader_resolve_config(l, XF_RES_UNIT_TEST, &n->fqn); /* unit_tests: tree */
    n->description = "";
    const struct xf_ynode *v;
    if ((v = xf_ynode_get(e, "description")) && !xf_ynode_is_null(v))
        err |= xf_loader_want_str(l, v, "description", &n->description);
    if ((v = xf_ynode_get(e, "config")) && !xf_ynode_is_null(v)) {
        if (v->kind != XF_Y_MAP)
            return xf_error(l->diags, v->loc, "'config' must be a mapping");
        err |=
            xf_loader_strict_keys(l, v, "a unit test's config", ut_config_keys, N(ut_config_keys));
        xf_loader_config_merge_ynode(l, n->config.u.d, v);
    }
    if ((v = xf_ynode_get(e, "versions")))
        xf_feature_warn(l->diags, XF_FEAT_YAML_NODE, xf_str_c("versions"), NULL, v->loc);
    xf_loader_sync_node(l, n);
    /* the model, as a ref: the graph resolves it (did you mean ...) */
    struct xf_dep md = {NULL, u->model, model->loc, NULL, NULL};
    xf_avec_push(l->a, &n->refs, md);

    const struct xf_ynode *given = xf_ynode_get(e, "given");
    if (given && !xf_ynode_is_null(given)) {
        if (given->kind != XF_Y_SEQ)
            return xf_error(l->diags, given->loc, "'given' must be a list of inputs");
        for (size_t i = 0; i < given->n; i++) {
            const struct xf_ynode *g = given->items[i];
            if (g->kind != XF_Y_MAP) {
                err = xf_error(l->diags, g->loc, "a given input must be a mapping with 'input'");
                continue;
            }
            err |= xf_loader_strict_keys(l, g, "a given input", given_keys, N(given_keys));
            struct xf_ut_given gv = {0};
            const struct xf_ynode *in = xf_ynode_get(g, "input");
            if (!in) {
                err = xf_error(l->diags, g->loc,
                               "a given input needs 'input' (ref(...) or "
                               "source(...))");
                continue;
            }
            if (xf_loader_want_str(l, in, "input", &gv.input) < 0) {
                err = -1;
                continue;
            }
            gv.loc = in->loc;
            if (parse_input(l->a, gv.input, &gv) < 0) {
                struct xf_diag *d =
                    xf_diag_add(l->diags, XF_SEV_ERROR, in->loc,
                                "input '%s' is not ref(...), source(...) or this", gv.input);
                xf_diag_hint(d, "for example input: ref('stg_orders')");
                err = -1;
                continue;
            }
            gv.dep.loc = in->loc;
            if (read_rows(l, g, &gv.rows) < 0) {
                err = -1;
                continue;
            }
            xf_avec_push(l->a, &u->given, gv);
        }
    }
    const struct xf_ynode *expect = xf_ynode_get(e, "expect");
    if (!expect)
        return xf_error(l->diags, name->loc, "unit test '%s' needs 'expect' (the rows it expects)",
                        n->name);
    if (expect->kind != XF_Y_MAP)
        return xf_error(l->diags, expect->loc, "'expect' must be a mapping with 'rows'");
    err |= xf_loader_strict_keys(l, expect, "expect", expect_keys, N(expect_keys));
    if (read_rows(l, expect, &u->expect) < 0)
        return -1;
    const struct xf_ynode *ov = xf_ynode_get(e, "overrides");
    u->overrides = xf_v_dict(l->a, 0);
    if (ov && !xf_ynode_is_null(ov)) {
        if (ov->kind != XF_Y_MAP)
            return xf_error(l->diags, ov->loc, "'overrides' must be a mapping");
        err |= xf_loader_strict_keys(l, ov, "overrides", override_keys, N(override_keys));
        err |= dict_of(l, ov, "overrides", &u->overrides);
        for (size_t k = 0; k < N(override_keys); k++) {
            const struct xf_ynode *x = xf_ynode_get(ov, override_keys[k]);
            struct xf_value d;
            if (x && dict_of(l, x, override_keys[k], &d) < 0)
                err = -1;
        }
    }
    if (err)
        return -1;
    /* unique per model, as dbt's unique id says */
    for (size_t i = 0; i < l->p->others.n; i++) {
        const struct xf_node *o = l->p->others.v[i];
        if (o->type == XF_RES_UNIT_TEST && !strcmp(o->unique_id, n->unique_id))
            return xf_error(l->diags, name->loc,
                            "duplicate unit test '%s' of model '%s' (also in '%s')", n->name,
                            u->model, o->original_file_path);
    }
    xf_avec_push(l->a, &l->p->others, n);
    return 0;
}

int xf_loader_unit_tests(struct xf_loader *l, const struct xf_props_file *f,
                         const struct xf_ynode *list)
{
    if (xf_ynode_is_null(list))
        return 0;
    if (list->kind != XF_Y_SEQ)
        return xf_error(l->diags, list->loc, "'unit_tests' must be a list");
    int err = 0;
    for (size_t i = 0; i < list->n; i++)
        err |= one_test(l, f, list->items[i]);
    return err ? -1 : 0;
}
