// SPDX-License-Identifier: MIT
/*
 * `xform ls`: the selected resources, one per line, as dbt prints them:
 * selector form (project.folder.name, source:src.table), name, path or
 * JSON lines.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "util/json.h"

/* The keys of a node's JSON line, in dbt's order; --output-keys picks some. */
static const char *const json_keys[] = {
    "name",       "resource_type", "package_name", "original_file_path", "unique_id", "alias",
    "config",     "tags",          "depends_on",   "source_name",        "database",  "schema",
    "fqn",        "path",          "description",  "relation_name"};
#define NKEYS (sizeof json_keys / sizeof *json_keys)
/* The keys shown without --output-keys (dbt's default set). */
#define NDEFAULT 10

static void print_selector(FILE *out, const struct xf_node *n)
{
    if (n->type == XF_RES_SOURCE) {
        fprintf(out, "source:%s.%s.%s\n", n->package, n->source_name, n->name);
        return;
    }
    if (n->type >= XF_RES_EXPOSURE) /* exposure:shop.weekly ... as dbt prints them */
        fprintf(out, "%s:", xf_resource_name(n->type));
    if (n->fqn.t != XF_V_LIST) {
        fprintf(out, "%s.%s\n", n->package, n->name);
        return;
    }
    for (size_t i = 0; i < n->fqn.u.l->n; i++) {
        const struct xf_value *v = &n->fqn.u.l->items[i];
        fprintf(out, "%s%.*s", i ? "." : "", (int)v->u.s.len, v->u.s.p);
    }
    fputc('\n', out);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static void print_json(FILE *f, const struct xf_cli *cli, const struct xf_graph *g, uint32_t i)
{
    const struct xf_node *n = g->all[i];
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(n->name));
    json_object_set_new(o, "resource_type", json_string(xf_resource_name(n->type)));
    json_object_set_new(o, "package_name", json_string(n->package ? n->package : ""));
    json_object_set_new(o, "original_file_path",
                        json_string(n->original_file_path ? n->original_file_path : ""));
    json_object_set_new(o, "unique_id", json_string(n->unique_id));
    json_object_set_new(o, "alias", n->alias ? json_string(n->alias) : json_null());
    json_object_set_new(o, "config", xf_value_to_json(&n->config));
    json_object_set_new(o, "tags", xf_value_to_json(&n->tags));
    json_t *deps = json_array();
    for (uint32_t k = 0; k < g->nparents[i]; k++)
        json_array_append_new(deps, json_string(g->all[g->parents[i][k]]->unique_id));
    json_t *dep = json_object();
    json_object_set_new(dep, "macros", json_array());
    json_object_set_new(dep, "nodes", deps);
    json_object_set_new(o, "depends_on", dep);
    if (n->type == XF_RES_SOURCE)
        json_object_set_new(o, "source_name", str_or_null(n->source_name));
    json_object_set_new(o, "database", str_or_null(n->database));
    json_object_set_new(o, "schema", str_or_null(n->schema));
    json_object_set_new(o, "fqn", xf_value_to_json(&n->fqn));
    json_object_set_new(o, "path", str_or_null(n->path));
    json_object_set_new(o, "description", json_string(n->description ? n->description : ""));
    json_object_set_new(o, "relation_name", str_or_null(n->relation_name));
    /* the keys asked for (dbt's --output-keys), else dbt's default set */
    json_t *out = json_object();
    for (size_t k = 0; k < NKEYS; k++) {
        bool want = k < NDEFAULT;
        if (cli->output_keys.n) {
            want = false;
            for (size_t j = 0; j < cli->output_keys.n; j++)
                want |= !strcmp(cli->output_keys.v[j], json_keys[k]);
        }
        json_t *v = json_object_get(o, json_keys[k]);
        if (want && v)
            json_object_set(out, json_keys[k], v);
    }
    json_decref(o);
    o = out;
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fputs(s, f);
    fputc('\n', f);
    free(s);
    json_decref(o);
}

int xf_cmd_ls(struct xf_cli *cli)
{
    struct xf_diags d;
    xf_diags_init(&d);
    struct xf_session *s = NULL;
    bool *sel = NULL;
    int code = XF_EXIT_USAGE;
    struct xf_arena cli_arena;
    xf_arena_init(&cli_arena);
    const char *fmt = cli->output ? cli->output : "selector";
    if (strcmp(fmt, "selector") && strcmp(fmt, "name") && strcmp(fmt, "path") &&
        strcmp(fmt, "json")) {
        fprintf(stderr, "error: unknown --output '%s': use selector, name, path or json\n", fmt);
        goto done;
    }
    if (cli->defer)
        /* dbt accepts it on ls too, where nothing is rendered against a relation */
        fprintf(stderr, "warning: --defer changes nothing ls lists: it only changes where "
                        "ref() reads when nodes run or compile\n");
    /* dbt's --output-keys is one string of names: "name resource_type" (or a,b) */
    XF_VEC(const char *) keys = {0};
    for (size_t j = 0; j < cli->output_keys.n; j++) {
        char *copy = xf_arena_strdup(&cli_arena, cli->output_keys.v[j]), *save = NULL;
        for (char *t = strtok_r(copy, " ,", &save); t; t = strtok_r(NULL, " ,", &save)) {
            size_t k = 0;
            while (k < NKEYS && strcmp(t, json_keys[k]))
                k++;
            if (k == NKEYS) {
                const char *sug = xf_str_suggest(xf_str_c(t), json_keys, NKEYS);
                fprintf(stderr, "error: --output-keys: unknown key '%s'%s%s%s\n", t,
                        sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
                fprintf(stderr, "  hint: the keys are");
                for (k = 0; k < NKEYS; k++)
                    fprintf(stderr, "%s %s", k ? "," : "", json_keys[k]);
                fputc('\n', stderr);
                xf_vec_release(&keys);
                goto done;
            }
            xf_vec_push(&keys, t);
        }
    }
    xf_vec_release(&cli->output_keys);
    cli->output_keys.v = keys.v;
    cli->output_keys.n = keys.n;
    cli->output_keys.cap = keys.cap;
    if (cli->output_keys.n && strcmp(fmt, "json")) {
        fprintf(stderr, "error: --output-keys needs --output json\n");
        goto done;
    }
    bool types[XF_RES_NTYPES];
    if (xf_cli_types(cli, types) < 0)
        goto done;
    if (xf_pp_try(cli, &code))
        goto done; /* nothing changed since the same ls: its lines again */
    xf_pp_begin(cli);
    if (xf_cmd_open(cli, &s, &d) < 0)
        goto done;
    if (!(sel = xf_cmd_select_enabled(cli, s, &d)))
        goto done;
    /* the lines go to a buffer first when the cache keeps them */
    char *text = NULL;
    size_t tlen = 0;
    FILE *out = cli->pp ? open_memstream(&text, &tlen) : NULL;
    if (!out)
        out = stdout;
    struct xf_graph *g = xf_session_graph(s);
    for (size_t k = 0; k < g->n; k++) {
        uint32_t i = (uint32_t)k; /* discovery order, as dbt lists */
        const struct xf_node *n = g->all[i];
        if (!sel[i] || !types[n->type])
            continue;
        if (!strcmp(fmt, "json"))
            print_json(out, cli, g, i);
        else if (!strcmp(fmt, "name"))
            fprintf(out, "%s\n", n->name);
        else if (!strcmp(fmt, "path"))
            fprintf(out, "%s\n", n->original_file_path ? n->original_file_path : n->name);
        else
            print_selector(out, n);
    }
    code = XF_EXIT_OK;
    if (out != stdout) {
        fclose(out);
        fwrite(text, 1, tlen, stdout);
        xf_pp_finish(cli, s, 0, text, tlen, true);
        free(text);
    }
done:
    xf_pp_finish(cli, s, 0, NULL, 0, false); /* nothing, when it was saved above */
    xf_arena_release(&cli_arena);
    free(sel);
    xf_session_free(s);
    xf_diags_release(&d);
    return code;
}
