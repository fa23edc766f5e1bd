// SPDX-License-Identifier: MIT
/*
 * dbt's command-line flags that shape a whole run (docs/cli.md):
 * --indirect-selection, --resource-type/--exclude-resource-type, and
 * --warn-error and --warn-error-options, as dbt-core 1.8+ reads them:
 * {"error": "all" | [names], "warn": [names]} (the older spelling
 * {"include": ..., "exclude": ...} too). A name is the dbt event name that
 * xform gives the warning in its JSON log (docs/cli.md lists them):
 *   LogTestResult               a test of severity warn that found rows
 *   NoNodesForSelectionCriteria a --select/--exclude term that matches nothing
 *   Note                        every other warning xform prints (project
 *                               loading, templates, configs)
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "parser/yaml.h"
#include "util/str.h"

struct xf_warn_error {
    bool all;                  /* error: all (or --warn-error) */
    XF_VEC(char *) error;      /* named errors */
    XF_VEC(char *) warn;       /* named exceptions to "all" */
};

static const char *const known[] = {"LogTestResult", "NoNodesForSelectionCriteria", "Note"};
#define NKNOWN (sizeof known / sizeof *known)

static int bad(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "error: --warn-error-options: ");
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return -1;
}

/* A list of event names (or "all" / "*" where allowed) into v. */
static int names(struct xf_ynode *n, const char *key, bool allow_all, bool *all, void *vec)
{
    typedef XF_VEC(char *) list;
    list *v = vec;
    if (n->kind == XF_Y_SCALAR && allow_all &&
        (xf_str_eqc(n->str, "all") || xf_str_eqc(n->str, "*"))) {
        *all = true;
        return 0;
    }
    if (n->kind != XF_Y_SEQ)
        return bad("'%s' must be %s a list of event names", key,
                   allow_all ? "\"all\" or" : "");
    for (size_t i = 0; i < n->n; i++) {
        struct xf_ynode *it = n->items[i];
        if (it->kind != XF_Y_SCALAR)
            return bad("'%s' must be a list of event names%s", key, "");
        if (allow_all && (xf_str_eqc(it->str, "all") || xf_str_eqc(it->str, "*"))) {
            *all = true;
            continue;
        }
        bool ok = false;
        for (size_t k = 0; k < NKNOWN; k++)
            ok |= xf_str_eqc(it->str, known[k]);
        if (!ok) {
            const char *sug = xf_str_suggest(it->str, (const char **)known, NKNOWN);
            fprintf(stderr,
                    "error: --warn-error-options: '%.*s' is not a warning xform emits%s%s%s\n",
                    (int)it->str.len, it->str.p, sug ? " (did you mean '" : "", sug ? sug : "",
                    sug ? "'?)" : "");
            fprintf(stderr, "  hint: the names are LogTestResult, NoNodesForSelectionCriteria "
                            "and Note (every other warning); see docs/cli.md\n");
            return -1;
        }
        xf_vec_push(v, xf_strndup(it->str.p, it->str.len));
    }
    return 0;
}

static int parse_options(struct xf_warn_error *we, const char *text)
{
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_buf err = XF_BUF_INIT;
    struct xf_ynode *root;
    int e = 0;
    if (xf_yaml_parse_str(&root, &a, text, strlen(text), &err) < 0) {
        e = bad("not valid YAML or JSON: %s%s", err.ptr ? err.ptr : "", "");
        goto out;
    }
    if (root->kind != XF_Y_MAP) {
        e = bad("must be a mapping, e.g. '{\"error\": \"all\", \"warn\": [\"%s\"]}'%s",
                "NoNodesForSelectionCriteria", "");
        goto out;
    }
    bool has_error = false, has_include = false, has_warn = false, has_exclude = false;
    for (size_t i = 0; i < root->n && !e; i++) {
        struct xf_str k = root->keys[i]->str;
        struct xf_ynode *v = root->items[i];
        if (xf_str_eqc(k, "error") || xf_str_eqc(k, "include")) {
            (xf_str_eqc(k, "error") ? &has_error : &has_include)[0] = true;
            e = names(v, xf_str_eqc(k, "error") ? "error" : "include", true, &we->all, &we->error);
        } else if (xf_str_eqc(k, "warn") || xf_str_eqc(k, "exclude")) {
            (xf_str_eqc(k, "warn") ? &has_warn : &has_exclude)[0] = true;
            bool dummy = false;
            e = names(v, xf_str_eqc(k, "warn") ? "warn" : "exclude", false, &dummy, &we->warn);
        } else if (xf_str_eqc(k, "silence")) {
            e = bad("'silence' is not supported yet%s%s", "",
                    ": every warning is printed (use \"warn\" to keep one a warning)");
        } else {
            const char *keys[] = {"error", "warn", "include", "exclude", "silence"};
            const char *sug = xf_str_suggest(k, keys, 5);
            fprintf(stderr, "error: --warn-error-options: unknown key '%.*s'%s%s%s\n", (int)k.len,
                    k.p, sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
            fprintf(stderr, "  hint: the keys are error (or include), warn (or exclude)\n");
            e = -1;
        }
    }
    if (!e && ((has_error && has_include) || (has_warn && has_exclude)))
        e = bad("give 'error' or 'include', 'warn' or 'exclude', not both%s%s", "", "");
out:
    xf_buf_release(&err);
    xf_arena_release(&a);
    return e;
}

int xf_warn_error_init(struct xf_cli *cli)
{
    if (!cli->warn_error && !cli->warn_error_options)
        return 0;
    if (cli->warn_error && cli->warn_error_options) {
        fprintf(stderr, "error: give --warn-error or --warn-error-options, not both\n");
        fprintf(stderr, "  hint: --warn-error is --warn-error-options '{\"error\": \"all\"}'\n");
        return -1;
    }
    cli->we = xf_calloc(1, sizeof *cli->we);
    if (cli->warn_error) {
        cli->we->all = true;
        return 0;
    }
    return parse_options(cli->we, cli->warn_error_options);
}

void xf_warn_error_release(struct xf_cli *cli)
{
    if (!cli->we)
        return;
    for (size_t i = 0; i < cli->we->error.n; i++)
        free(cli->we->error.v[i]);
    for (size_t i = 0; i < cli->we->warn.n; i++)
        free(cli->we->warn.v[i]);
    xf_vec_release(&cli->we->error);
    xf_vec_release(&cli->we->warn);
    free(cli->we);
    cli->we = NULL;
}

bool xf_warn_error_is_error(const struct xf_cli *cli, const char *name)
{
    const struct xf_warn_error *we = cli->we;
    if (!we)
        return false;
    for (size_t i = 0; i < we->warn.n; i++)
        if (!strcmp(we->warn.v[i], name))
            return false;
    if (we->all)
        return true;
    for (size_t i = 0; i < we->error.n; i++)
        if (!strcmp(we->error.v[i], name))
            return true;
    return false;
}

/* The event name of a warning diagnostic (see the top of this file). */
static const char *diag_event(const struct xf_diag *g)
{
    if (!strncmp(g->msg, "the selection criterion '", 25))
        return "NoNodesForSelectionCriteria";
    return "Note";
}

size_t xf_warn_error_promote(const struct xf_cli *cli, struct xf_diags *d)
{
    if (!cli->we)
        return 0;
    size_t n = 0;
    for (struct xf_diag *g = d->head; g; g = g->next) {
        if (g->sev != XF_SEV_WARNING || !xf_warn_error_is_error(cli, diag_event(g)))
            continue;
        g->sev = XF_SEV_ERROR;
        d->nerrors++;
        d->nwarnings--;
        if (!g->hint)
            xf_diag_hint(g, "an error because of %s (event %s)",
                         cli->warn_error ? "--warn-error" : "--warn-error-options",
                         diag_event(g));
        n++;
    }
    return n;
}

int xf_cli_indirect(const struct xf_cli *cli, enum xf_indirect *out)
{
    const char *v = cli->indirect_selection;
    const char *from = "--indirect-selection";
    if (!v || !*v) {
        v = getenv("DBT_INDIRECT_SELECTION");
        from = "DBT_INDIRECT_SELECTION";
    }
    *out = XF_INDIRECT_EAGER;
    if (!v || !*v)
        return 0;
    static const char *const modes[] = {"eager", "cautious", "buildable", "empty"};
    for (int i = 0; i < 4; i++) {
        if (!strcmp(v, modes[i])) {
            *out = (enum xf_indirect)i;
            return 0;
        }
    }
    const char *sug = xf_str_suggest(xf_str_c(v), modes, 4);
    fprintf(stderr, "error: %s must be eager, cautious, buildable or empty, not '%s'%s%s%s\n",
            from, v, sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
    return -1;
}

/* dbt's resource type names; those xform has no nodes of select nothing. */
static const char *const type_names[] = {
    "model",  "seed",   "snapshot",       "test",        "data_test",  "unit_test", "source",
    "analysis", "exposure", "metric", "semantic_model", "saved_query", "all", "default"};
#define NTYPES (sizeof type_names / sizeof *type_names)

static int add_types(const char *flag, const char *const *v, size_t n, bool val,
                     bool out[XF_RES_NTYPES])
{
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < NTYPES && strcmp(v[i], type_names[k]))
            k++;
        if (k == NTYPES) {
            const char *sug = xf_str_suggest(xf_str_c(v[i]), type_names, NTYPES);
            fprintf(stderr, "error: %s: unknown resource type '%s'%s%s%s\n", flag, v[i],
                    sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
            fprintf(stderr, "  hint: model, seed, snapshot, test (or data_test), unit_test, "
                            "source, analysis, exposure, metric, semantic_model, saved_query, "
                            "all\n");
            return -1;
        }
        const char *t = type_names[k];
        if (!strcmp(t, "all") || !strcmp(t, "default")) {
            for (int r = 0; r < XF_RES_NTYPES; r++)
                out[r] = val;
            continue;
        }
        for (int r = 0; r < XF_RES_NTYPES; r++)
            if (!strcmp(t, xf_resource_name((enum xf_resource)r)) ||
                (!strcmp(t, "data_test") && r == XF_RES_TEST))
                out[r] = val;
    }
    return 0;
}

int xf_cli_types(const struct xf_cli *cli, bool out[XF_RES_NTYPES])
{
    bool any = cli->resource_types.n > 0;
    for (int r = 0; r < XF_RES_NTYPES; r++)
        out[r] = !any;
    if (add_types("--resource-type", cli->resource_types.v, cli->resource_types.n, true, out) < 0)
        return -1;
    return add_types("--exclude-resource-type", cli->exclude_resource_types.v,
                     cli->exclude_resource_types.n, false, out);
}
